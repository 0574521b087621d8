#pragma once
// Repository interfaces of the Session Manager. The store implements them (SQLite now,
// PostgreSQL later); callers never see SQL. Implementations are thread-safe.
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "server/manager/session_cursor.h"
#include "server/manager/session_filter.h"
#include "server/manager/roles.h"
#include "server/manager/types.h"

namespace tether::manager {

class UserRepository {
 public:
  virtual ~UserRepository() = default;
  virtual int64_t Count() = 0;
  // Inserts; fails with "conflict" when the name is taken (case-insensitive).
  virtual Result<User> Create(const User& user) = 0;
  // Inserts only while no user exists, atomically; "conflict" otherwise.
  virtual Result<User> CreateFirst(const User& user) = 0;
  virtual std::optional<User> FindByName(const std::string& username) = 0;
  virtual std::optional<User> FindById(int64_t id) = 0;
  virtual std::vector<User> List() = 0;
  // Writes role, password hash, disabled, password_changed_at and must_change_password.
  virtual Status Update(const User& user) = 0;
  // Removes the user (their web sessions go with them); "not_found".
  virtual Status Delete(int64_t id) = 0;
  // Writes the two-factor fields (totp_secret, totp_enabled, totp_last_step, recovery_codes).
  virtual Status SetTwoFactor(const User& user) = 0;
  // Records `step` as used only if it is later than the stored one, atomically: false when
  // another login used this step (or a later one) first.
  virtual bool AdvanceTotpStep(int64_t user_id, int64_t step) = 0;
  // Replaces the recovery codes only if they still equal `expected`, atomically.
  virtual bool ReplaceRecoveryCodes(int64_t user_id, const std::string& expected,
                                    const std::string& replacement) = 0;
};

struct SessionQuery {
  std::optional<SessionType> type;
  bool include_ended = false;
  int limit = 100;
  // Every filter must match (a group's, a sub-group's, the caller's, the search). Borrowed for
  // the call.
  std::vector<const Filter*> filters = {};
  FilterContext context = {};
  // Keyset paging: only sessions after this one in list order (newest first: created_at
  // descending, then id descending).
  std::optional<SessionCursor> after = std::nullopt;
};

// One distinct value of a sub-group field and how many sessions have it.
struct SubgroupCount {
  std::string value;
  int64_t count = 0;
};

class SessionRepository {
 public:
  virtual ~SessionRepository() = default;
  // Inserts the session and its "created" event in one transaction.
  virtual Result<Session> Create(const Session& session, const SessionEvent& created) = 0;
  virtual std::optional<Session> Find(const std::string& id) = 0;
  virtual bool OpenCodeExists(const std::string& code) = 0;
  virtual std::optional<Session> FindOpenByCode(const std::string& code) = 0;
  // Newest first (created_at, then id, descending), at most query.limit (clamped 1-1001).
  virtual std::vector<Session> List(const SessionQuery& query) = 0;
  // The distinct values of a text field among the sessions `query` selects (ignoring its limit
  // and cursor), compared ignoring case, in ascending order, at most `limit`.
  virtual std::vector<SubgroupCount> CountBy(const SessionQuery& query, FilterField field, int limit) = 0;
  virtual int64_t CountOpen() = 0;
  // Marks ended and appends the "ended" event in one transaction; "not_found" or "conflict".
  virtual Status End(const std::string& id, const SessionEvent& ended) = 0;
  // Appends; the new event's id, or "not_found" when the session does not exist.
  virtual Result<int64_t> AppendEvent(const SessionEvent& event) = 0;
  virtual std::vector<SessionEvent> Events(const std::string& session_id) = 0;
  // Events with id > after_id, oldest first, at most `limit`.
  virtual std::vector<SessionEvent> EventsAfter(const std::string& session_id, int64_t after_id,
                                                int limit) = 0;
  // Writes the name and properties of `session` and appends `edited`, in one transaction.
  virtual Status Update(const Session& session, const SessionEvent& edited) = 0;
  // Removes the session and its events; "not_found".
  virtual Status Delete(const std::string& id) = 0;
  // Writes every field of `guest`; "not_found".
  virtual Status UpdateGuest(const std::string& id, const GuestInfo& guest) = 0;
  virtual Status SetGuestPresence(const std::string& id, bool online, int64_t at) = 0;
  // Marks every session offline (at start-up nothing is connected).
  virtual void ClearGuestPresence() = 0;
};

class SessionGroupRepository {
 public:
  virtual ~SessionGroupRepository() = default;
  // In panel order (position, then id).
  virtual std::vector<SessionGroup> List() = 0;
  virtual std::optional<SessionGroup> Find(int64_t id) = 0;
  virtual int64_t Count() = 0;
  // Inserts at the end of the order; "conflict" when the name is taken (ignoring case).
  virtual Result<SessionGroup> Create(const SessionGroup& group) = 0;
  // "not_found", or "conflict" for a taken name.
  virtual Status Update(const SessionGroup& group) = 0;
  virtual Status Delete(int64_t id) = 0;
};

class RoleRepository {
 public:
  virtual ~RoleRepository() = default;
  // By name (ignoring case), entries in their stored order.
  virtual std::vector<Role> List() = 0;
  virtual std::optional<Role> Find(int64_t id) = 0;
  virtual std::optional<Role> FindByName(const std::string& name) = 0;
  // Inserts with its entries; "conflict" when the name is taken (ignoring case).
  virtual Result<Role> Create(const Role& role) = 0;
  // Writes name, description and entries in one transaction; users holding the role under its
  // old name follow a rename. "not_found", or "conflict" for a taken name.
  virtual Status Update(const Role& role) = 0;
  // "conflict" when a user still holds the role; "not_found".
  virtual Status Delete(int64_t id) = 0;
  // Names of the roles with an entry scoped to the group.
  virtual std::vector<std::string> RolesUsingGroup(int64_t group_id) = 0;
};

class AuditRepository {
 public:
  virtual ~AuditRepository() = default;
  // Appends, chaining the record to the previous one (prev_hash/hash are filled in).
  virtual Result<AuditRecord> Append(const AuditRecord& record) = 0;
  virtual std::vector<AuditRecord> Recent(int limit) = 0;
  // Recomputes the chain; returns the id of the first bad record, or 0 when intact.
  virtual Result<int64_t> Verify() = 0;
};

class WebSessionRepository {
 public:
  virtual ~WebSessionRepository() = default;
  virtual Status Create(const WebSession& s) = 0;
  virtual std::optional<WebSession> Find(const std::string& token_hash) = 0;
  virtual Status Touch(const std::string& token_hash, int64_t at) = 0;
  virtual Status Delete(const std::string& token_hash) = 0;
  virtual Status DeleteForUser(int64_t user_id) = 0;
};

// Server-wide values decided once and kept (e.g. the calibrated password hashing parameters).
class SettingsRepository {
 public:
  virtual ~SettingsRepository() = default;
  virtual std::optional<std::string> Get(const std::string& key) = 0;
  // Inserts or replaces.
  virtual Status Put(const std::string& key, const std::string& value) = 0;
};

class AccessRepository {
 public:
  virtual ~AccessRepository() = default;
  virtual Status CreateInstaller(const AccessInstaller& installer) = 0;
  // Marks the unused, unexpired installer with `token_hash` used at `now`, atomically (two
  // agents presenting one token: exactly one gets it). nullopt when there is none.
  virtual std::optional<AccessInstaller> RedeemInstaller(const std::string& token_hash, int64_t now) = 0;
  // Binds the agent's public key (base64) to its new access session and records the session on
  // the installer, in one transaction. "conflict" when the key is already bound.
  virtual Status BindAgent(const std::string& installer_id, const std::string& public_key,
                           const std::string& session_id, int64_t now) = 0;
  // The session an enrolled agent's public key (base64) belongs to.
  virtual std::optional<std::string> SessionOfAgent(const std::string& public_key) = 0;
  // Newest first, at most `limit`.
  virtual std::vector<AccessInstaller> ListInstallers(int limit) = 0;
};

class ApiTokenRepository {
 public:
  virtual ~ApiTokenRepository() = default;
  // "conflict" when the id or hash is taken.
  virtual Status Create(const ApiToken& token) = 0;
  virtual std::optional<ApiToken> FindByHash(const std::string& secret_hash) = 0;
  virtual std::optional<ApiToken> Find(const std::string& id) = 0;
  // The user's tokens (every user's with 0), newest first, with `username` filled in.
  virtual std::vector<ApiToken> List(int64_t user_id) = 0;
  virtual int64_t CountForUser(int64_t user_id) = 0;
  // Records a use; "not_found" when the token is gone.
  virtual Status Touch(const std::string& id, int64_t at, const std::string& from) = 0;
  virtual Status Delete(const std::string& id) = 0;
  virtual Status DeleteForUser(int64_t user_id) = 0;
};

// Everything the Session Manager persists.
class Store {
 public:
  virtual ~Store() = default;
  virtual UserRepository& Users() = 0;
  virtual SessionRepository& Sessions() = 0;
  virtual SessionGroupRepository& Groups() = 0;
  virtual RoleRepository& Roles() = 0;
  virtual AuditRepository& Audit() = 0;
  virtual WebSessionRepository& WebSessions() = 0;
  virtual SettingsRepository& Settings() = 0;
  virtual AccessRepository& Access() = 0;
  virtual ApiTokenRepository& Tokens() = 0;
  // Schema version after migrations, and an integrity check of the underlying database.
  virtual int SchemaVersion() = 0;
  virtual Result<std::string> IntegrityCheck() = 0;
};

}  // namespace tether::manager
