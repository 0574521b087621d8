// SQLite implementation of UserRepository.
#include "server/store/sqlite_store.h"

namespace tether::store {
namespace {

using manager::User;

constexpr const char* kColumns =
    "id, username, role, password_hash, disabled, created_at, password_changed_at, must_change_password, "
    "totp_secret, totp_enabled, totp_last_step, recovery_codes";

User ReadUser(const Statement& st) {
  User u;
  u.id = st.Int(0);
  u.username = st.Text(1);
  u.role = st.Text(2);
  u.password_hash = st.Text(3);
  u.disabled = st.Int(4) != 0;
  u.created_at = st.Int(5);
  u.password_changed_at = st.Int(6);
  u.must_change_password = st.Int(7) != 0;
  u.totp_secret = st.Text(8);
  u.totp_enabled = st.Int(9) != 0;
  u.totp_last_step = st.Int(10);
  u.recovery_codes = st.Text(11);
  return u;
}

class SqliteUsers final : public manager::UserRepository {
 public:
  explicit SqliteUsers(SqliteDb& db) : db_(db) {}

  int64_t Count() override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "SELECT COUNT(*) FROM users");
    return st.Step() ? st.Int(0) : 0;
  }

  Result<User> Create(const User& u) override {
    auto lock = db_.Lock();
    return Insert(u, "INSERT INTO users (username, role, password_hash, disabled, created_at, "
                     "password_changed_at, must_change_password) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  }

  Result<User> CreateFirst(const User& u) override {
    auto lock = db_.Lock();
    // One statement: the emptiness check and the insert cannot be separated by another writer.
    return Insert(u, "INSERT INTO users (username, role, password_hash, disabled, created_at, "
                     "password_changed_at, must_change_password) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 "
                     "WHERE NOT EXISTS (SELECT 1 FROM users)");
  }

  std::optional<User> FindByName(const std::string& username) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string("SELECT ") + kColumns + " FROM users WHERE username = ?1").c_str());
    st.Bind(1, username);
    if (!st.Step()) return std::nullopt;
    return ReadUser(st);
  }

  std::optional<User> FindById(int64_t id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string("SELECT ") + kColumns + " FROM users WHERE id = ?1").c_str());
    st.Bind(1, id);
    if (!st.Step()) return std::nullopt;
    return ReadUser(st);
  }

  std::vector<User> List() override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string("SELECT ") + kColumns + " FROM users ORDER BY id").c_str());
    std::vector<User> out;
    while (st.Step()) out.push_back(ReadUser(st));
    return out;
  }

  Status Update(const User& u) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "UPDATE users SET role = ?2, password_hash = ?3, disabled = ?4, "
                 "password_changed_at = ?5, must_change_password = ?6 WHERE id = ?1");
    st.Bind(1, u.id).Bind(2, u.role).Bind(3, u.password_hash).Bind(4, int64_t{u.disabled})
        .Bind(5, u.password_changed_at).Bind(6, int64_t{u.must_change_password});
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    return {};
  }

  Status Delete(int64_t id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "DELETE FROM users WHERE id = ?1");
    st.Bind(1, id);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (sqlite3_changes(db_.Handle()) == 0) return MakeError("not_found", "no such user");
    return {};
  }

  Status SetTwoFactor(const User& u) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "UPDATE users SET totp_secret = ?2, totp_enabled = ?3, totp_last_step = ?4, "
                 "recovery_codes = ?5 WHERE id = ?1");
    st.Bind(1, u.id).Bind(2, u.totp_secret).Bind(3, int64_t{u.totp_enabled}).Bind(4, u.totp_last_step)
        .Bind(5, u.recovery_codes);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    return {};
  }

  bool AdvanceTotpStep(int64_t user_id, int64_t step) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "UPDATE users SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2");
    st.Bind(1, user_id).Bind(2, step);
    st.Step();
    return st.Ok() && sqlite3_changes(db_.Handle()) == 1;
  }

  bool ReplaceRecoveryCodes(int64_t user_id, const std::string& expected,
                            const std::string& replacement) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "UPDATE users SET recovery_codes = ?3 WHERE id = ?1 AND recovery_codes = ?2");
    st.Bind(1, user_id).Bind(2, expected).Bind(3, replacement);
    st.Step();
    return st.Ok() && sqlite3_changes(db_.Handle()) == 1;
  }

 private:
  Result<User> Insert(const User& u, const char* sql) {
    Statement st(db_.Handle(), sql);
    st.Bind(1, u.username).Bind(2, u.role).Bind(3, u.password_hash).Bind(4, int64_t{u.disabled})
        .Bind(5, u.created_at).Bind(6, u.password_changed_at).Bind(7, int64_t{u.must_change_password});
    st.Step();
    if (st.Code() == SQLITE_CONSTRAINT) return MakeError("conflict", "user '" + u.username + "' already exists");
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (sqlite3_changes(db_.Handle()) == 0) return MakeError("conflict", "users already exist");
    User out = u;
    out.id = db_.LastInsertId();
    return out;
  }

  SqliteDb& db_;
};

}  // namespace

std::unique_ptr<manager::UserRepository> MakeSqliteUsers(SqliteDb& db) {
  return std::make_unique<SqliteUsers>(db);
}

}  // namespace tether::store
