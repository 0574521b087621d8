// SQLite implementation of SessionRepository (sessions and their events).
#include <algorithm>

#include "server/store/session_filter_sql.h"
#include "server/store/sqlite_store.h"

namespace tether::store {
namespace {

using manager::Session;
using manager::SessionEvent;

constexpr const char* kColumns =
    "id, type, name, code, created_by, created_at, ended_at, company, site, department, tag, "
    "guest_machine, guest_os, guest_user, guest_address, agent_version, guest_online, last_seen";
constexpr const char* kPropertyNames[] = {"company", "site", "department", "tag"};

Session ReadSession(const Statement& st) {
  Session s;
  s.id = st.Text(0);
  s.type = manager::ParseSessionType(st.Text(1)).value_or(manager::SessionType::kSupport);
  s.name = st.Text(2);
  s.code = st.IsNull(3) ? "" : st.Text(3);
  s.created_by = st.Text(4);
  s.created_at = st.Int(5);
  s.ended_at = st.Int(6);
  for (int i = 0; i < 4; ++i) {
    std::string v = st.Text(7 + i);
    if (!v.empty()) s.properties[kPropertyNames[i]] = v;
  }
  s.guest.machine = st.Text(11);
  s.guest.os = st.Text(12);
  s.guest.user = st.Text(13);
  s.guest.address = st.Text(14);
  s.guest.agent_version = st.Text(15);
  s.guest.online = st.Int(16) != 0;
  s.guest.last_seen = st.Int(17);
  return s;
}

std::string Property(const Session& s, const char* name) {
  auto it = s.properties.find(name);
  return it == s.properties.end() ? std::string() : it->second;
}

class SqliteSessions final : public manager::SessionRepository {
 public:
  explicit SqliteSessions(SqliteDb& db) : db_(db) {}

  Result<Session> Create(const Session& s, const SessionEvent& created) override {
    auto lock = db_.Lock();
    Transaction tx(db_);
    Statement st(db_.Handle(),
                 "INSERT INTO sessions (id, type, name, code, created_by, created_at, ended_at, "
                 "company, site, department, tag) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10)");
    st.Bind(1, s.id).Bind(2, std::string(manager::SessionTypeName(s.type))).Bind(3, s.name);
    if (s.code.empty()) st.BindNull(4); else st.Bind(4, s.code);
    st.Bind(5, s.created_by).Bind(6, s.created_at);
    for (int i = 0; i < 4; ++i) st.Bind(7 + i, Property(s, kPropertyNames[i]));
    st.Step();
    if (st.Code() == SQLITE_CONSTRAINT) return MakeError("conflict", "an open session already uses that code");
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (auto e = InsertEvent(created); !e) return e.error();
    if (auto c = tx.Commit(); !c) return c.error();
    return s;
  }

  std::optional<Session> Find(const std::string& id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string("SELECT ") + kColumns + " FROM sessions WHERE id = ?1").c_str());
    st.Bind(1, id);
    if (!st.Step()) return std::nullopt;
    return ReadSession(st);
  }

  bool OpenCodeExists(const std::string& code) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "SELECT 1 FROM sessions WHERE code = ?1 AND ended_at = 0");
    st.Bind(1, code);
    return st.Step();
  }

  std::optional<Session> FindOpenByCode(const std::string& code) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string("SELECT ") + kColumns +
                                " FROM sessions WHERE code = ?1 AND ended_at = 0").c_str());
    st.Bind(1, code);
    if (!st.Step()) return std::nullopt;
    return ReadSession(st);
  }

  std::vector<Session> List(const manager::SessionQuery& q) override {
    SqlParams params;
    const std::string where = Where(q, params);
    std::string sql = std::string("SELECT ") + kColumns + " FROM sessions WHERE " + where;
    if (q.after) {
      // Keyset paging over the (created_at, id) index: no OFFSET, so deep pages cost the same.
      sql += " AND (created_at, id) < (" + params.Add(q.after->created_at) + ", " + params.Add(q.after->id) + ")";
    }
    sql += " ORDER BY created_at DESC, id DESC LIMIT " + params.Add(int64_t{std::clamp(q.limit, 1, 1001)});
    auto lock = db_.Lock();
    Statement st(db_.Handle(), sql.c_str());
    params.BindTo(st);
    std::vector<Session> out;
    while (st.Step()) out.push_back(ReadSession(st));
    return out;
  }

  std::vector<manager::SubgroupCount> CountBy(const manager::SessionQuery& q, manager::FilterField field,
                                              int limit) override {
    SqlParams params;
    const std::string where = Where(q, params);
    const std::string column = ColumnOf(field);
    // Values that differ only in letter case are one sub-group (as `field = value` matches them).
    const std::string sql = "SELECT MIN(" + column + "), COUNT(*) FROM sessions WHERE " + where +
                            " GROUP BY " + column + " COLLATE NOCASE ORDER BY 1 COLLATE NOCASE LIMIT " +
                            params.Add(int64_t{std::max(limit, 1)});
    auto lock = db_.Lock();
    Statement st(db_.Handle(), sql.c_str());
    params.BindTo(st);
    std::vector<manager::SubgroupCount> out;
    while (st.Step()) out.push_back({st.Text(0), st.Int(1)});
    return out;
  }

  int64_t CountOpen() override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "SELECT COUNT(*) FROM sessions WHERE ended_at = 0");
    return st.Step() ? st.Int(0) : 0;
  }

  Status End(const std::string& id, const SessionEvent& ended) override {
    auto lock = db_.Lock();
    Transaction tx(db_);
    Statement find(db_.Handle(), "SELECT ended_at FROM sessions WHERE id = ?1");
    find.Bind(1, id);
    if (!find.Step()) return MakeError("not_found", "no such session");
    if (find.Int(0) != 0) return MakeError("conflict", "the session has already ended");
    Statement st(db_.Handle(), "UPDATE sessions SET ended_at = ?2, guest_online = 0 WHERE id = ?1");
    st.Bind(1, id).Bind(2, ended.at);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (auto e = InsertEvent(ended); !e) return e;
    return tx.Commit();
  }

  Result<int64_t> AppendEvent(const SessionEvent& e) override {
    auto lock = db_.Lock();
    if (auto st = InsertEvent(e); !st) return st.error();
    return db_.LastInsertId();
  }

  std::vector<SessionEvent> EventsAfter(const std::string& session_id, int64_t after_id,
                                        int limit) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "SELECT id, session_id, kind, actor, detail, at FROM session_events "
                 "WHERE session_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
    st.Bind(1, session_id).Bind(2, after_id).Bind(3, int64_t{limit});
    std::vector<SessionEvent> out;
    while (st.Step()) {
      out.push_back(SessionEvent{st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4), st.Int(5)});
    }
    return out;
  }

  Status Update(const Session& s, const SessionEvent& edited) override {
    auto lock = db_.Lock();
    Transaction tx(db_);
    Statement st(db_.Handle(),
                 "UPDATE sessions SET name = ?2, company = ?3, site = ?4, department = ?5, tag = ?6 "
                 "WHERE id = ?1");
    st.Bind(1, s.id).Bind(2, s.name);
    for (int i = 0; i < 4; ++i) st.Bind(3 + i, Property(s, kPropertyNames[i]));
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (sqlite3_changes(db_.Handle()) == 0) return MakeError("not_found", "no such session");
    if (auto e = InsertEvent(edited); !e) return e;
    return tx.Commit();
  }

  Status Delete(const std::string& id) override {
    auto lock = db_.Lock();
    Transaction tx(db_);
    // Events go with their session (ON DELETE CASCADE).
    Statement st(db_.Handle(), "DELETE FROM sessions WHERE id = ?1");
    st.Bind(1, id);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (sqlite3_changes(db_.Handle()) == 0) return MakeError("not_found", "no such session");
    return tx.Commit();
  }

  Status UpdateGuest(const std::string& id, const manager::GuestInfo& g) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "UPDATE sessions SET guest_machine = ?2, guest_os = ?3, guest_user = ?4, "
                 "guest_address = ?5, agent_version = ?6, guest_online = ?7, last_seen = ?8 "
                 "WHERE id = ?1");
    st.Bind(1, id).Bind(2, g.machine).Bind(3, g.os).Bind(4, g.user).Bind(5, g.address)
        .Bind(6, g.agent_version).Bind(7, int64_t{g.online}).Bind(8, g.last_seen);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (sqlite3_changes(db_.Handle()) == 0) return MakeError("not_found", "no such session");
    return {};
  }

  Status SetGuestPresence(const std::string& id, bool online, int64_t at) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "UPDATE sessions SET guest_online = ?2, last_seen = ?3 WHERE id = ?1");
    st.Bind(1, id).Bind(2, int64_t{online}).Bind(3, at);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (sqlite3_changes(db_.Handle()) == 0) return MakeError("not_found", "no such session");
    return {};
  }

  void ClearGuestPresence() override {
    auto lock = db_.Lock();
    (void)db_.Exec("UPDATE sessions SET guest_online = 0 WHERE guest_online != 0");
  }

  std::vector<SessionEvent> Events(const std::string& session_id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "SELECT id, session_id, kind, actor, detail, at FROM session_events "
                 "WHERE session_id = ?1 ORDER BY id");
    st.Bind(1, session_id);
    std::vector<SessionEvent> out;
    while (st.Step()) {
      out.push_back(SessionEvent{st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4), st.Int(5)});
    }
    return out;
  }

 private:
  // The WHERE clause of a query: fixed fragments, with every value a bound parameter.
  static std::string Where(const manager::SessionQuery& q, SqlParams& params) {
    std::string where = "1";
    if (q.type) where += " AND type = " + params.Add(std::string(manager::SessionTypeName(*q.type)));
    if (!q.include_ended) where += " AND ended_at = 0";
    for (const manager::Filter* f : q.filters) where += " AND " + CompileFilter(*f, q.context, params);
    return where;
  }

  Status InsertEvent(const SessionEvent& e) {
    Statement st(db_.Handle(),
                 "INSERT INTO session_events (session_id, kind, actor, detail, at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5)");
    st.Bind(1, e.session_id).Bind(2, e.kind).Bind(3, e.actor).Bind(4, e.detail).Bind(5, e.at);
    st.Step();
    if (st.Code() == SQLITE_CONSTRAINT) return MakeError("not_found", "no such session");
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    return {};
  }

  SqliteDb& db_;
};

}  // namespace

std::unique_ptr<manager::SessionRepository> MakeSqliteSessions(SqliteDb& db) {
  return std::make_unique<SqliteSessions>(db);
}

}  // namespace tether::store
