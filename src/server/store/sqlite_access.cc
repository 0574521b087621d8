// SQLite implementation of AccessRepository (installers and enrolled agents' keys).
#include <algorithm>

#include "server/store/sqlite_store.h"

namespace tether::store {
namespace {

using manager::AccessInstaller;

constexpr const char* kSelect =
    "SELECT id, name, token_hash, company, site, department, tag, created_by, created_at, "
    "expires_at, used_at, session_id FROM access_installers";
using manager::kPropertyKeys;

AccessInstaller ReadInstaller(const Statement& st) {
  AccessInstaller a;
  a.id = st.Text(0);
  a.name = st.Text(1);
  a.token_hash = st.Text(2);
  for (int i = 0; i < 4; ++i) {
    std::string v = st.Text(3 + i);
    if (!v.empty()) a.properties[kPropertyKeys[i]] = v;
  }
  a.created_by = st.Text(7);
  a.created_at = st.Int(8);
  a.expires_at = st.Int(9);
  a.used_at = st.Int(10);
  a.session_id = st.Text(11);
  return a;
}

class SqliteAccess final : public manager::AccessRepository {
 public:
  explicit SqliteAccess(SqliteDb& db) : db_(db) {}

  Status CreateInstaller(const AccessInstaller& a) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "INSERT INTO access_installers (id, name, token_hash, company, site, department, tag, "
                 "created_by, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    st.Bind(1, a.id).Bind(2, a.name).Bind(3, a.token_hash);
    for (int i = 0; i < 4; ++i) {
      auto it = a.properties.find(kPropertyKeys[i]);
      st.Bind(4 + i, it == a.properties.end() ? std::string() : it->second);
    }
    st.Bind(8, a.created_by).Bind(9, a.created_at).Bind(10, a.expires_at);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    return {};
  }

  std::optional<AccessInstaller> RedeemInstaller(const std::string& token_hash, int64_t now) override {
    auto lock = db_.Lock();
    // One statement: the row is marked used only if it still was unused and unexpired.
    Statement st(db_.Handle(),
                 "UPDATE access_installers SET used_at = ?2 WHERE token_hash = ?1 AND used_at = 0 "
                 "AND expires_at > ?2 RETURNING id, name, token_hash, company, site, department, tag, "
                 "created_by, created_at, expires_at, used_at, session_id");
    st.Bind(1, token_hash).Bind(2, now);
    if (!st.Step()) return std::nullopt;
    AccessInstaller a = ReadInstaller(st);
    while (st.Step()) {
    }
    return a;
  }

  Status BindAgent(const std::string& installer_id, const std::string& public_key,
                   const std::string& session_id, int64_t now) override {
    auto lock = db_.Lock();
    Transaction tx(db_);
    Statement st(db_.Handle(),
                 "INSERT INTO access_agents (public_key, session_id, installer_id, enrolled_at) "
                 "VALUES (?1, ?2, ?3, ?4)");
    st.Bind(1, public_key).Bind(2, session_id).Bind(3, installer_id).Bind(4, now);
    st.Step();
    if (st.Code() == SQLITE_CONSTRAINT) return MakeError("conflict", "this agent key is already enrolled");
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    Statement up(db_.Handle(), "UPDATE access_installers SET session_id = ?2 WHERE id = ?1");
    up.Bind(1, installer_id).Bind(2, session_id);
    up.Step();
    if (!up.Ok()) return MakeError("store", up.ErrorMessage());
    return tx.Commit();
  }

  std::optional<std::string> SessionOfAgent(const std::string& public_key) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "SELECT session_id FROM access_agents WHERE public_key = ?1");
    st.Bind(1, public_key);
    if (!st.Step()) return std::nullopt;
    return st.Text(0);
  }

  std::vector<AccessInstaller> ListInstallers(int limit) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string(kSelect) + " ORDER BY created_at DESC, id DESC LIMIT ?1").c_str());
    st.Bind(1, static_cast<int64_t>(std::clamp(limit, 1, 1000)));
    std::vector<AccessInstaller> out;
    while (st.Step()) out.push_back(ReadInstaller(st));
    return out;
  }

 private:
  SqliteDb& db_;
};

}  // namespace

std::unique_ptr<manager::AccessRepository> MakeSqliteAccess(SqliteDb& db) {
  return std::make_unique<SqliteAccess>(db);
}

}  // namespace tether::store
