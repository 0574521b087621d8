// SQLite implementation of RoleRepository: `roles` and their ordered `role_entries`.
#include "server/store/sqlite_store.h"

namespace tether::store {
namespace {

using manager::Role;
using manager::RoleEntry;

constexpr const char* kSelect = "SELECT id, name, description, created_at, updated_at FROM roles";

class SqliteRoles final : public manager::RoleRepository {
 public:
  explicit SqliteRoles(SqliteDb& db) : db_(db) {}

  std::vector<Role> List() override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string(kSelect) + " ORDER BY name COLLATE NOCASE").c_str());
    std::vector<Role> out;
    while (st.Step()) out.push_back(ReadRole(st));
    for (auto& r : out) r.entries = ReadEntries(r.id);
    return out;
  }

  std::optional<Role> Find(int64_t id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string(kSelect) + " WHERE id = ?1").c_str());
    st.Bind(1, id);
    return ReadOne(st);
  }

  std::optional<Role> FindByName(const std::string& name) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string(kSelect) + " WHERE name = ?1").c_str());
    st.Bind(1, name);
    return ReadOne(st);
  }

  Result<Role> Create(const Role& r) override {
    auto lock = db_.Lock();
    Transaction tx(db_);
    Statement st(db_.Handle(),
                 "INSERT INTO roles (name, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4)");
    st.Bind(1, r.name).Bind(2, r.description).Bind(3, r.created_at).Bind(4, r.updated_at);
    st.Step();
    if (st.Code() == SQLITE_CONSTRAINT) return MakeError("conflict", "a role with that name exists");
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    Role out = r;
    out.id = db_.LastInsertId();
    if (auto s = WriteEntries(out.id, r.entries); !s) return s.error();
    if (auto s = tx.Commit(); !s) return s.error();
    return out;
  }

  Status Update(const Role& r) override {
    auto lock = db_.Lock();
    Transaction tx(db_);
    Statement old(db_.Handle(), "SELECT name FROM roles WHERE id = ?1");
    old.Bind(1, r.id);
    if (!old.Step()) return MakeError("not_found", "no such role");
    const std::string old_name = old.Text(0);
    Statement st(db_.Handle(), "UPDATE roles SET name = ?2, description = ?3, updated_at = ?4 WHERE id = ?1");
    st.Bind(1, r.id).Bind(2, r.name).Bind(3, r.description).Bind(4, r.updated_at);
    st.Step();
    if (st.Code() == SQLITE_CONSTRAINT) return MakeError("conflict", "a role with that name exists");
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    Statement users(db_.Handle(), "UPDATE users SET role = ?2 WHERE role = ?1 COLLATE NOCASE");
    users.Bind(1, old_name).Bind(2, r.name);
    users.Step();
    if (!users.Ok()) return MakeError("store", users.ErrorMessage());
    Statement del(db_.Handle(), "DELETE FROM role_entries WHERE role_id = ?1");
    del.Bind(1, r.id);
    del.Step();
    if (!del.Ok()) return MakeError("store", del.ErrorMessage());
    if (auto s = WriteEntries(r.id, r.entries); !s) return s;
    return tx.Commit();
  }

  Status Delete(int64_t id) override {
    auto lock = db_.Lock();
    Transaction tx(db_);
    Statement held(db_.Handle(),
                   "SELECT COUNT(*) FROM users WHERE role = (SELECT name FROM roles WHERE id = ?1) COLLATE NOCASE");
    held.Bind(1, id);
    if (held.Step() && held.Int(0) > 0) return MakeError("conflict", "users still hold this role");
    Statement st(db_.Handle(), "DELETE FROM roles WHERE id = ?1");
    st.Bind(1, id);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (sqlite3_changes(db_.Handle()) == 0) return MakeError("not_found", "no such role");
    return tx.Commit();
  }

  std::vector<std::string> RolesUsingGroup(int64_t group_id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "SELECT DISTINCT r.name FROM roles r JOIN role_entries e ON e.role_id = r.id "
                 "WHERE e.group_id = ?1 ORDER BY r.name");
    st.Bind(1, group_id);
    std::vector<std::string> out;
    while (st.Step()) out.push_back(st.Text(0));
    return out;
  }

 private:
  static Role ReadRole(const Statement& st) {
    Role r;
    r.id = st.Int(0);
    r.name = st.Text(1);
    r.description = st.Text(2);
    r.created_at = st.Int(3);
    r.updated_at = st.Int(4);
    return r;
  }

  // Under the lock.
  std::optional<Role> ReadOne(Statement& st) {
    if (!st.Step()) return std::nullopt;
    Role r = ReadRole(st);
    r.entries = ReadEntries(r.id);
    return r;
  }

  // Under the lock. An entry naming a permission this build does not know is skipped.
  std::vector<RoleEntry> ReadEntries(int64_t role_id) {
    Statement st(db_.Handle(),
                 "SELECT permission, effect, group_id FROM role_entries WHERE role_id = ?1 ORDER BY position");
    st.Bind(1, role_id);
    std::vector<RoleEntry> out;
    while (st.Step()) {
      auto p = manager::ParsePermission(st.Text(0));
      auto e = manager::ParseEffect(st.Text(1));
      if (!p || !e) continue;
      out.push_back({*p, *e, st.Int(2)});
    }
    return out;
  }

  // Under the lock, inside a transaction.
  Status WriteEntries(int64_t role_id, const std::vector<RoleEntry>& entries) {
    for (size_t i = 0; i < entries.size(); ++i) {
      Statement st(db_.Handle(),
                   "INSERT INTO role_entries (role_id, position, permission, effect, group_id) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)");
      st.Bind(1, role_id).Bind(2, static_cast<int64_t>(i)).Bind(3, std::string(manager::PermissionName(entries[i].permission)))
          .Bind(4, std::string(manager::EffectName(entries[i].effect))).Bind(5, entries[i].group_id);
      st.Step();
      if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    }
    return {};
  }

  SqliteDb& db_;
};

}  // namespace

std::unique_ptr<manager::RoleRepository> MakeSqliteRoles(SqliteDb& db) {
  return std::make_unique<SqliteRoles>(db);
}

}  // namespace tether::store
