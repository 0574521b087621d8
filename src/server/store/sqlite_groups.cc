// SQLite implementation of SessionGroupRepository.
#include "server/store/sqlite_store.h"

namespace tether::store {
namespace {

using manager::SessionGroup;

constexpr const char* kSelect =
    "SELECT id, name, filter, subgroup_by, session_type, position, created_by, created_at, updated_at "
    "FROM session_groups";

SessionGroup ReadGroup(const Statement& st) {
  SessionGroup g;
  g.id = st.Int(0);
  g.name = st.Text(1);
  g.filter = st.Text(2);
  g.subgroup_by = st.Text(3);
  g.session_type = st.Text(4);
  g.position = st.Int(5);
  g.created_by = st.Text(6);
  g.created_at = st.Int(7);
  g.updated_at = st.Int(8);
  return g;
}

class SqliteGroups final : public manager::SessionGroupRepository {
 public:
  explicit SqliteGroups(SqliteDb& db) : db_(db) {}

  std::vector<SessionGroup> List() override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string(kSelect) + " ORDER BY position, id").c_str());
    std::vector<SessionGroup> out;
    while (st.Step()) out.push_back(ReadGroup(st));
    return out;
  }

  std::optional<SessionGroup> Find(int64_t id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string(kSelect) + " WHERE id = ?1").c_str());
    st.Bind(1, id);
    if (!st.Step()) return std::nullopt;
    return ReadGroup(st);
  }

  int64_t Count() override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "SELECT COUNT(*) FROM session_groups");
    return st.Step() ? st.Int(0) : 0;
  }

  Result<SessionGroup> Create(const SessionGroup& g) override {
    auto lock = db_.Lock();
    // Position 0 means "after the last group".
    Statement st(db_.Handle(),
                 "INSERT INTO session_groups (name, filter, subgroup_by, session_type, position, "
                 "created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, "
                 "CASE WHEN ?5 > 0 THEN ?5 ELSE (SELECT COALESCE(MAX(position), 0) + 1 FROM session_groups) END, "
                 "?6, ?7, ?8)");
    st.Bind(1, g.name).Bind(2, g.filter).Bind(3, g.subgroup_by).Bind(4, g.session_type)
        .Bind(5, g.position).Bind(6, g.created_by).Bind(7, g.created_at).Bind(8, g.updated_at);
    st.Step();
    if (st.Code() == SQLITE_CONSTRAINT) return MakeError("conflict", "a session group with that name exists");
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    const int64_t id = db_.LastInsertId();
    Statement back(db_.Handle(), (std::string(kSelect) + " WHERE id = ?1").c_str());
    back.Bind(1, id);
    if (!back.Step()) return MakeError("store", "the new session group vanished");
    return ReadGroup(back);
  }

  Status Update(const SessionGroup& g) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "UPDATE session_groups SET name = ?2, filter = ?3, subgroup_by = ?4, session_type = ?5, "
                 "position = ?6, updated_at = ?7 WHERE id = ?1");
    st.Bind(1, g.id).Bind(2, g.name).Bind(3, g.filter).Bind(4, g.subgroup_by).Bind(5, g.session_type)
        .Bind(6, g.position).Bind(7, g.updated_at);
    st.Step();
    if (st.Code() == SQLITE_CONSTRAINT) return MakeError("conflict", "a session group with that name exists");
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (sqlite3_changes(db_.Handle()) == 0) return MakeError("not_found", "no such session group");
    return {};
  }

  Status Delete(int64_t id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "DELETE FROM session_groups WHERE id = ?1");
    st.Bind(1, id);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (sqlite3_changes(db_.Handle()) == 0) return MakeError("not_found", "no such session group");
    return {};
  }

 private:
  SqliteDb& db_;
};

}  // namespace

std::unique_ptr<manager::SessionGroupRepository> MakeSqliteGroups(SqliteDb& db) {
  return std::make_unique<SqliteGroups>(db);
}

}  // namespace tether::store
