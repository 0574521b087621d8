// SQLite implementations of AuditRepository (hash-chained, append-only) and
// WebSessionRepository.
#include <fmt/format.h>

#include "base/crypto.h"
#include <algorithm>

#include "server/store/sqlite_store.h"

namespace tether::store {
namespace {

using manager::AuditRecord;
using manager::WebSession;

// Length-prefixed fields, so no choice of field contents can collide with another record.
std::string ChainHash(const AuditRecord& r) {
  std::string buf;
  for (const std::string& f : {r.prev_hash, std::to_string(r.id), std::to_string(r.at), r.kind,
                               r.actor, r.source, r.detail}) {
    buf += fmt::format("{}:{};", f.size(), f);
  }
  return Sha256Hex(buf);
}

AuditRecord ReadRecord(const Statement& st) {
  return AuditRecord{st.Int(0), st.Int(1), st.Text(2), st.Text(3), st.Text(4),
                     st.Text(5), st.Text(6), st.Text(7)};
}

constexpr const char* kAuditColumns = "id, at, kind, actor, source, detail, prev_hash, hash";

class SqliteAudit final : public manager::AuditRepository {
 public:
  explicit SqliteAudit(SqliteDb& db) : db_(db) {}

  Result<AuditRecord> Append(const AuditRecord& record) override {
    auto lock = db_.Lock();
    Transaction tx(db_);
    AuditRecord r = record;
    Statement last(db_.Handle(), "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
    if (last.Step()) {
      r.id = last.Int(0) + 1;
      r.prev_hash = last.Text(1);
    } else {
      r.id = 1;
      r.prev_hash = std::string(64, '0');
    }
    r.hash = ChainHash(r);
    Statement st(db_.Handle(),
                 "INSERT INTO audit_log (id, at, kind, actor, source, detail, prev_hash, hash) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    st.Bind(1, r.id).Bind(2, r.at).Bind(3, r.kind).Bind(4, r.actor).Bind(5, r.source)
        .Bind(6, r.detail).Bind(7, r.prev_hash).Bind(8, r.hash);
    st.Step();
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    if (auto c = tx.Commit(); !c) return c.error();
    return r;
  }

  std::vector<AuditRecord> Recent(int limit) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string("SELECT ") + kAuditColumns +
                                " FROM audit_log ORDER BY id DESC LIMIT ?1").c_str());
    st.Bind(1, int64_t{std::clamp(limit, 1, 10000)});
    std::vector<AuditRecord> out;
    while (st.Step()) out.push_back(ReadRecord(st));
    return out;
  }

  Result<int64_t> Verify() override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), (std::string("SELECT ") + kAuditColumns + " FROM audit_log ORDER BY id").c_str());
    std::string prev(64, '0');
    while (st.Step()) {
      AuditRecord r = ReadRecord(st);
      if (r.prev_hash != prev || ChainHash(r) != r.hash) return r.id;
      prev = r.hash;
    }
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    return int64_t{0};
  }

 private:
  SqliteDb& db_;
};

class SqliteWebSessions final : public manager::WebSessionRepository {
 public:
  explicit SqliteWebSessions(SqliteDb& db) : db_(db) {}

  Status Create(const WebSession& s) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at, last_seen, "
                 "source, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    st.Bind(1, s.token_hash).Bind(2, s.user_id).Bind(3, s.csrf_token).Bind(4, s.created_at)
        .Bind(5, s.last_seen).Bind(6, s.source).Bind(7, s.user_agent);
    st.Step();
    return Done(st);
  }

  std::optional<WebSession> Find(const std::string& token_hash) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(),
                 "SELECT token_hash, user_id, csrf_token, created_at, last_seen, source, user_agent "
                 "FROM web_sessions WHERE token_hash = ?1");
    st.Bind(1, token_hash);
    if (!st.Step()) return std::nullopt;
    return WebSession{st.Text(0), st.Int(1), st.Text(2), st.Int(3), st.Int(4), st.Text(5), st.Text(6)};
  }

  Status Touch(const std::string& token_hash, int64_t at) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "UPDATE web_sessions SET last_seen = ?2 WHERE token_hash = ?1");
    st.Bind(1, token_hash).Bind(2, at);
    st.Step();
    return Done(st);
  }

  Status Delete(const std::string& token_hash) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "DELETE FROM web_sessions WHERE token_hash = ?1");
    st.Bind(1, token_hash);
    st.Step();
    return Done(st);
  }

  Status DeleteForUser(int64_t user_id) override {
    auto lock = db_.Lock();
    Statement st(db_.Handle(), "DELETE FROM web_sessions WHERE user_id = ?1");
    st.Bind(1, user_id);
    st.Step();
    return Done(st);
  }

 private:
  static Status Done(const Statement& st) {
    if (!st.Ok()) return MakeError("store", st.ErrorMessage());
    return {};
  }
  SqliteDb& db_;
};

}  // namespace

std::unique_ptr<manager::AuditRepository> MakeSqliteAudit(SqliteDb& db) {
  return std::make_unique<SqliteAudit>(db);
}

std::unique_ptr<manager::WebSessionRepository> MakeSqliteWebSessions(SqliteDb& db) {
  return std::make_unique<SqliteWebSessions>(db);
}

}  // namespace tether::store
