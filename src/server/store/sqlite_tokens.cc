// SQLite implementation of ApiTokenRepository. The scope is stored as comma-separated
// permission names; the secret never reaches this file, only its SHA-256.
#include "server/store/sqlite_store.h"

namespace tether::store {
namespace {

using manager::ApiToken;

constexpr const char* kSelect =
    "SELECT t.id, t.user_id, u.username, t.name, t.hint, t.secret_hash, t.scope, t.created_at, "
    "t.expires_at, t.last_used_at, t.last_used_from FROM api_tokens t JOIN users u ON u.id = t.user_id";

std::string JoinScope(const std::vector<std::string>& scope) {
  std::string out;
  for (const auto& p : scope) out += (out.empty() ? "" : ",") + p;
  return out;
}

std::vector<std::string> SplitScope(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

ApiToken ReadToken(const Statement& st) {
  ApiToken t;
  t.id = st.Text(0);
  t.user_id = st.Int(1);
  t.username = st.Text(2);
  t.name = st.Text(3);
  t.hint = st.Text(4);
  t.secret_hash = st.Text(5);
  t.scope = SplitScope(st.Text(6));
  t.created_at = st.Int(7);
  t.expires_at = st.Int(8);
  t.last_used_at = st.Int(9);
  t.last_used_from = st.Text(10);
  return t;
}

class SqliteTokens final : public manager::ApiTokenRepository {
 public:
  explicit SqliteTokens(SqliteDb& db) : db_(db) {}

  Status Create(const ApiToken& t) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "INSERT INTO api_tokens (id, user_id, name, hint, secret_hash, scope, created_at, expires_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    st.Bind(1, t.id).Bind(2, t.user_id).Bind(3, t.name).Bind(4, t.hint).Bind(5, t.secret_hash);
    st.Bind(6, JoinScope(t.scope)).Bind(7, t.created_at).Bind(8, t.expires_at);
    st.Step();
    if (st.Code() == SQLITE_CONSTRAINT) return MakeError("conflict", "the token exists already");
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    return {};
  }

  std::optional<ApiToken> FindByHash(const std::string& secret_hash) override {
    return FindOne(" WHERE t.secret_hash = ?1", secret_hash);
  }

  std::optional<ApiToken> Find(const std::string& id) override { return FindOne(" WHERE t.id = ?1", id); }

  std::vector<ApiToken> List(int64_t user_id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string(kSelect) + " WHERE ?1 = 0 OR t.user_id = ?1 "
                                                       "ORDER BY t.created_at DESC, t.id DESC").c_str());
    st.Bind(1, user_id);
    std::vector<ApiToken> out;
    while (st.Step()) out.push_back(ReadToken(st));
    return out;
  }

  int64_t CountForUser(int64_t user_id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "SELECT COUNT(*) FROM api_tokens WHERE user_id = ?1");
    st.Bind(1, user_id);
    return st.Step() ? st.Int(0) : 0;
  }

  Status Touch(const std::string& id, int64_t at, const std::string& from) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "UPDATE api_tokens SET last_used_at = ?2, last_used_from = ?3 WHERE id = ?1");
    st.Bind(1, id).Bind(2, at).Bind(3, from);
    return Changed(st, "no such token");
  }

  Status Delete(const std::string& id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "DELETE FROM api_tokens WHERE id = ?1");
    st.Bind(1, id);
    return Changed(st, "no such token");
  }

  Status DeleteForUser(int64_t user_id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "DELETE FROM api_tokens WHERE user_id = ?1");
    st.Bind(1, user_id);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    return {};
  }

 private:
  std::optional<ApiToken> FindOne(const char* where, const std::string& value) {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string(kSelect) + where).c_str());
    st.Bind(1, value);
    if (!st.Step()) return std::nullopt;
    return ReadToken(st);
  }

  // Runs an UPDATE or DELETE of one row: "not_found" when it touched none.
  Status Changed(Statement& st, const char* missing) {
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (sqlite3_changes(db_.Handle()) == 0) return MakeError("not_found", missing);
    return {};
  }

  SqliteDb& db_;
};

}  // namespace

std::unique_ptr<manager::ApiTokenRepository> MakeSqliteTokens(SqliteDb& db) {
  return std::make_unique<SqliteTokens>(db);
}

}  // namespace tether::store
