#pragma once
// SessionManager: the authority over users, web sessions, support/meeting/access sessions,
// session events and the audit trail. Pure domain logic over the Store interfaces (no I/O of
// its own). Thread-safe. Login and password changes run Argon2id: call them off network
// threads. The Store and Clock must outlive it.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "server/manager/api_tokens.h"
#include "server/manager/attempt_limiter.h"
#include "server/manager/authorizer.h"
#include "server/manager/password.h"
#include "server/manager/repositories.h"
#include "server/manager/security_settings.h"
#include "server/manager/role_admin.h"
#include "server/manager/session_catalog.h"
#include "server/manager/totp.h"

namespace tether::manager {

struct ManagerOptions {
  // The configuration file's security settings; the page's changes go over them
  // (SecuritySettings, read through SessionManager::Security()).
  SecurityValues security;
  HashParams hash;
  // Seals TOTP secrets at rest. All zero: a random key for this process only (tests).
  SealKey secrets_key{};
  std::string totp_issuer = "Tether";
  ApiTokenOptions tokens;
};

// Who asks for a change: a logged-in user or the local administrator command.
struct Actor {
  std::string name;
  std::string source;  // network address or "local"
  // The user's role, for Authorizer checks; the Local API acts as an Administrator. Empty for
  // internal callers (the relay), which reach only operations that do not check.
  std::string role = {};
  int64_t user_id = 0;  // 0 for the Local API and internal callers
  // Set when the request came with an API token: the Authorizer refuses every permission
  // outside it.
  std::optional<std::vector<Permission>> token_scope = std::nullopt;
};

// Appends one record to the audit log, stamped now; a failed append is not the caller's error.
void AppendAudit(Store& store, const Clock& clock, const std::string& kind, const Actor& actor,
                 const std::string& detail);

// A change to a session's name and custom properties (PATCH). Absent fields stay as they are;
// a property set to "" is cleared.
struct SessionPatch {
  std::optional<std::string> name;
  std::map<std::string, std::string> properties;  // keys from kPropertyKeys
};

struct LoginResult {
  User user;
  std::string session_token;  // goes into the cookie; only its hash is stored
  std::string csrf_token;
};

struct AuthContext {
  User user;
  WebSession session;
  int64_t expires_at = 0;  // Unix time the web session ends at the latest (absolute timeout)
  // With an API token (`session` is then empty): the token's scope and id.
  std::optional<std::vector<Permission>> token_scope = std::nullopt;
  std::string token_id = {};
};

// What an authenticator app needs to enrol; shown once (the secret is stored sealed).
struct TotpEnrolment {
  std::string secret_base32;
  std::string uri;  // otpauth://totp/...
};

// Two-factor turned on: the recovery codes (shown once) and the caller's new web session.
struct TotpConfirmation {
  std::vector<std::string> recovery_codes;
  LoginResult session;
};

struct ManagerStats {
  int64_t users = 0;
  int64_t open_sessions = 0;
  int schema_version = 0;
  bool setup_required = false;
};

// Told when a session ends, whoever ended it, and when a user's access is revoked, so live
// connections can be closed. Called on the thread that made the change.
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  virtual void OnSessionEnded(const std::string& session_id, const std::string& reason) = 0;
  // The user was revoked, disabled or deleted: close every live connection of theirs.
  virtual void OnUserRevoked(int64_t /*user_id*/, const std::string& /*username*/) {}
  // One API token was revoked: close every live connection admitted through it (and no other).
  virtual void OnApiTokenRevoked(const std::string& /*token_id*/) {}
};

class SessionManager {
 public:
  SessionManager(Store& store, const Clock& clock, ManagerOptions options = {});

  // --- first-run setup ---
  bool SetupRequired();
  // A fresh one-time token (the previous one stops working). Only its hash is kept.
  std::string IssueSetupToken();
  // Web path: needs the console token. Answers "not_found" once any user exists.
  Result<User> CompleteSetup(const std::string& token, const std::string& username,
                             const std::string& password, const Actor& actor);
  // Local socket path (the socket itself is the proof of being the server's operator).
  Result<User> CreateFirstAdministrator(const std::string& username, const std::string& password,
                                        const Actor& actor);

  // --- users ---
  Result<User> AddUser(const std::string& username, const std::string& role,
                       const std::string& password, const Actor& actor);
  std::vector<User> ListUsers();
  Status SetUserDisabled(const std::string& username, bool disabled, const Actor& actor);
  // An administrator sets a user's password (ends their web sessions). With `require_change`
  // the user must change it at their next login before anything else works.
  Status SetPassword(const std::string& username, const std::string& password, const Actor& actor,
                     bool require_change = true);
  // Ends everything the user holds now — web sessions, API tokens, live relay connections (via
  // the observer) — without disabling the account. Disabling and deleting do the same.
  Status RevokeUser(const std::string& username, const Actor& actor);
  // Removes the user after revoking them; the last administrator cannot be removed.
  Status DeleteUser(const std::string& username, const Actor& actor);
  // Gives the user another role (needs Administer). Their web sessions and live connections end,
  // so the new rights apply at once. "last_administrator" when no enabled user would keep
  // Administer; "validation" for an unknown role.
  Status SetUserRole(const std::string& username, const std::string& role, const Actor& actor);

  // --- web sessions ---
  // The same error ("invalid_credentials") for an unknown user, a wrong password, a disabled
  // account and a locked one (too many failures for the account or from the address), after the
  // same amount of hashing work. Each failure counts against the account name and the address.
  // A user with two-factor authentication on also needs `otp`: a 6-digit TOTP code (one step
  // either side, never a step already used) or one of their recovery codes (single use). Without
  // it the answer is "otp_required", with a wrong one "invalid_otp".
  Result<LoginResult> Login(const std::string& username, const std::string& password,
                            const std::string& source, const std::string& user_agent,
                            const std::string& otp = "");
  Result<AuthContext> Authenticate(const std::string& session_token);
  // The same for an API token's secret (ApiTokens::Authenticate); expires_at is the token's.
  Result<AuthContext> AuthenticateToken(std::string_view secret, const std::string& source);
  ApiTokens& Tokens() { return tokens_; }
  // An administrator lifts the lock on an account ("not_found" for an unknown user) or on a
  // source address.
  Status UnlockAccount(const std::string& username, const Actor& actor);
  void UnlockAddress(const std::string& address, const Actor& actor);
  bool AccountLocked(const std::string& username);
  // The logged-in user changes their own password: the current one must be right ("forbidden"
  // otherwise) and the new one must pass the policy and differ. Every web session of the user
  // ends, the calling one included; the answer is a fresh session for the caller.
  Result<LoginResult> ChangeOwnPassword(const AuthContext& ctx, const std::string& current,
                                        const std::string& replacement, const std::string& source,
                                        const std::string& user_agent);
  void Logout(const std::string& session_token, const std::string& source);

  // --- two-factor authentication (two_factor.cc) ---
  // Whether the policy demands two-factor authentication of this user.
  bool TwoFactorRequired(const User& user) const;
  // Starts (or restarts) enrolment with a new secret; "conflict" when it is already on.
  Result<TotpEnrolment> BeginTotpEnrolment(const AuthContext& ctx, const std::string& source);
  // Turns it on with a first code from the app; answers the ten recovery codes (shown once,
  // stored hashed). The user's web sessions end and the caller gets a new one.
  Result<TotpConfirmation> ConfirmTotp(const AuthContext& ctx, const std::string& code,
                                       const std::string& source, const std::string& user_agent);
  // The user turns it off with their password ("forbidden" when wrong).
  Status DisableTotp(const AuthContext& ctx, const std::string& password, const std::string& source);
  // An administrator turns it off for a user who lost their device and recovery codes.
  Status ResetTwoFactor(const std::string& username, const Actor& actor);

  // --- sessions ---
  Result<Session> CreateSession(SessionType type, const std::string& name,
                                const std::string& code, const Actor& actor);
  std::vector<Session> ListSessions(const SessionQuery& query);
  std::optional<Session> GetSession(const std::string& id);
  // `why`, when set, is the "ended" event's detail and what live connections are told.
  Status EndSession(const std::string& id, const Actor& actor, const std::string& why = "");
  std::vector<SessionEvent> Events(const std::string& id);
  // --- session edits (session_edits.cc); each checks the Authorizer and records an event ---
  // Renames and/or sets custom properties; an "edited" event lists what changed.
  Result<Session> UpdateSession(const std::string& id, const SessionPatch& patch, const Actor& actor);
  // Removes the session and its events (the audit log keeps a record); an open session's live
  // connections are closed first.
  Status DeleteSession(const std::string& id, const Actor& actor);
  // A "note" event with the text (1-2000 bytes; newlines and tabs allowed).
  Result<SessionEvent> AddNote(const std::string& id, const std::string& text, const Actor& actor);
  // Events after `after_id` (0: from the start), oldest first, at most `limit` (clamped 1-1000).
  Result<std::vector<SessionEvent>> ListEvents(const std::string& id, int64_t after_id, int limit,
                                               const Actor& actor);
  // What the relay or the agent reports about the guest's machine; marks it online and seen now.
  // Text is cleaned (control characters replaced, 128 bytes at most). Internal: no Authorizer.
  Status UpdateGuestInfo(const std::string& id, const GuestInfo& info);
  // At start-up no guest is connected yet: every session is marked offline.
  void ResetGuestPresence();
  // Whether the actor may do `permission` (to `session`); for operations the web server
  // performs itself, such as joining. The decision is the Authorizer's.
  Status Authorize(const Actor& actor, Permission permission, const Session* session = nullptr) const {
    return authorizer_.Check(actor, permission, session);
  }
  // The session list (paged, filtered, searched) and the session groups.
  SessionCatalog& Catalog() { return catalog_; }
  // Roles and their permission entries (administrators).
  RoleAdmin& Roles() { return roles_; }
  // Records `kind` for the session. "guest_connected" and "guest_disconnected" also update the
  // guest's online state and last-seen time.
  Status AppendEvent(const std::string& session_id, const std::string& kind,
                     const std::string& actor, const std::string& detail);
  // A guest presents a join code: the open support session that has it. Failures are counted
  // per source address; after 10 in a minute the address gets "rate_limited".
  Result<Session> AdmitGuestByCode(const std::string& code, const std::string& source);
  // Seconds until `source` may present a code again after too many wrong ones (0: now).
  int64_t CodeRetryAfter(const std::string& source) { return code_failures_.RetryAfter(source); }
  // A short-lived, single-use token that lets the caller join `session_id` as a host from a
  // native client on the relay port (browsers use the WebSocket instead). Only its hash is kept.
  // The host it admits keeps the caller's API token (id and scope) and login expiry.
  struct HostToken {
    std::string token;
    int64_t expires_at = 0;
  };
  Result<HostToken> IssueHostToken(const std::string& session_id, const AuthContext& caller);
  // Consumes a host token: the session and the user's name, if valid, unexpired and the session
  // is open. Failures count against `source` like wrong join codes.
  struct HostAdmission {
    Session session;
    std::string username;
    int64_t user_id = 0;
    std::string api_token_id;  // the API token the host token was issued through, if any
    int64_t not_after = 0;     // when that token or web login expires
    // What the user's role (and token scope) lets them do in this session at the relay.
    bool may_end_session = false;
    bool may_transfer_files = false;
  };
  Result<HostAdmission> AdmitHostByToken(const std::string& token, const std::string& source);
  // At most one observer; set during wiring, before any session ends.
  void SetObserver(SessionObserver* observer) { observer_ = observer; }

  // Audits a request or connection refused by the IP restrictions of `area`: at most one
  // record per area and address a minute, so a refused client cannot flood the log.
  void AuditRefusedAddress(const std::string& area, const std::string& source, const std::string& detail);

  ManagerStats Stats();
  // Prepares slow one-time state (the dummy password hash) so the first login is not slower.
  void Warm() { hasher_.Warm(); }
  PasswordPolicy Policy() const { return security_.Get().policy; }
  // The security settings in force (file and page); components read them at each use.
  const SecuritySettings& Security() const { return security_; }
  // Reads the page's stored changes (at start). Returns the names of stored changes dropped
  // because they no longer pass (the file changed); they are audited.
  std::vector<std::string> LoadSecuritySettings();
  // Administer: changes security settings (key -> value; null: back to the file's value),
  // validated like the configuration file, stored, audited one record per setting. `accept`
  // may refuse the values that would be in force (SecuritySettings::Change).
  Result<std::vector<SettingChange>> ChangeSecuritySettings(const nlohmann::json& changes, const Actor& actor,
                                                            const SecuritySettings::Acceptor& accept = {});

 private:
  Result<User> CreateAdministrator(const std::string& username, const std::string& password,
                                   const Actor& actor);
  // Checks a TOTP code or a recovery code of `user` and uses it up.
  bool UseSecondFactor(const User& user, const std::string& otp, const Actor& actor);
  // Creates a web session for `user` (after a login or a password change).
  Result<LoginResult> OpenWebSession(const User& user, const std::string& source,
                                     const std::string& user_agent);
  void Audit(const std::string& kind, const Actor& actor, const std::string& detail);
  // Gives the login limiters the lockout settings in force.
  void ApplyLockout(const SecurityValues& v);
  // Whether disabling or removing `u` would leave no enabled user with Administer.
  bool IsLastAdministrator(const User& u);
  // Drops the user's web sessions and tokens and tells the observer.
  void EndAccess(const User& u);

  Store& store_;
  const Clock& clock_;
  Authorizer authorizer_{store_, clock_};
  SessionCatalog catalog_{store_, clock_, authorizer_};
  RoleAdmin roles_{store_, clock_, authorizer_};
  ManagerOptions options_;
  SecuritySettings security_;
  std::mutex settings_mu_;  // orders changes of the security settings
  PasswordHasher hasher_;
  SealKey secrets_key_;
  AttemptLimiter code_failures_;
  AttemptLimiter refusal_audits_{clock_, 1, 60};
  AttemptLimiter account_failures_;  // keyed by the lower-cased user name as typed
  AttemptLimiter address_failures_;  // keyed by the source address
  ApiTokens tokens_{store_, clock_, authorizer_, address_failures_, options_.tokens};
  struct PendingHostToken {
    std::string session_id;
    int64_t user_id = 0;
    int64_t expires_at = 0;
    std::string api_token_id;
    std::optional<std::vector<Permission>> token_scope;
    int64_t not_after = 0;
  };
  // Drops the pending host tokens issued through the API token and tells the observer.
  void EndTokenAccess(const std::string& token_id);
  std::mutex host_tokens_mu_;
  std::map<std::string, PendingHostToken> host_tokens_;  // by SHA-256 of the token
  SessionObserver* observer_ = nullptr;
  std::mutex setup_mu_;
  std::string setup_token_hash_;  // empty: no token issued or setup done
};

}  // namespace tether::manager
