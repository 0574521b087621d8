#include "server/manager/session_manager.h"

#include <sodium.h>

#include <cctype>

#include "base/crypto.h"
#include "server/manager/validation.h"

namespace tether::manager {

SessionManager::SessionManager(Store& store, const Clock& clock, ManagerOptions options)
    : store_(store), clock_(clock), options_(options), security_(options.security), hasher_(options.hash),
      secrets_key_(options.secrets_key), code_failures_(clock, 10, 60),
      account_failures_(clock, options.security.lockout.account_failures, options.security.lockout.window_s, 100000,
                        options.security.lockout.lock_s),
      address_failures_(clock, options.security.lockout.address_failures, options.security.lockout.window_s, 100000,
                        options.security.lockout.lock_s) {
  if (secrets_key_ == SealKey{}) randombytes_buf(secrets_key_.data(), secrets_key_.size());
  options_.secrets_key = SealKey{};  // one copy is enough
  tokens_.OnRevoked([this](const std::string& token_id) { EndTokenAccess(token_id); });
}

void AppendAudit(Store& store, const Clock& clock, const std::string& kind, const Actor& actor,
                 const std::string& detail) {
  AuditRecord r;
  r.at = clock.NowUnix();
  r.kind = kind;
  r.actor = actor.name;
  r.source = actor.source;
  r.detail = detail;
  (void)store.Audit().Append(r);
}

namespace {

// Lock keys of accounts: user names are matched ignoring case.
std::string AccountKey(const std::string& username) {
  std::string key = username.substr(0, 256);
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace

void SessionManager::Audit(const std::string& kind, const Actor& actor, const std::string& detail) {
  AppendAudit(store_, clock_, kind, actor, detail);
}

// ---------------------------------------------------------------- setup

bool SessionManager::SetupRequired() { return store_.Users().Count() == 0; }

std::string SessionManager::IssueSetupToken() {
  std::string token = RandomToken(32);
  std::lock_guard lock(setup_mu_);
  setup_token_hash_ = Sha256Hex(token);
  return token;
}

Result<User> SessionManager::CompleteSetup(const std::string& token, const std::string& username,
                                           const std::string& password, const Actor& actor) {
  // Once any user exists, setup does not exist: same answer whatever the token.
  if (!SetupRequired()) return MakeError("not_found", "not found");
  {
    std::lock_guard lock(setup_mu_);
    if (setup_token_hash_.empty() || !ConstantTimeEquals(Sha256Hex(token), setup_token_hash_)) {
      Audit("setup.failure.bad_token", actor, "");
      return MakeError("invalid_token", "the setup link is not valid; use the one printed on the server console");
    }
  }
  auto user = CreateAdministrator(username, password, actor);
  if (user.ok()) {
    std::lock_guard lock(setup_mu_);
    setup_token_hash_.clear();
  }
  return user;
}

Result<User> SessionManager::CreateFirstAdministrator(const std::string& username,
                                                      const std::string& password,
                                                      const Actor& actor) {
  if (!SetupRequired()) return MakeError("conflict", "setup is already done");
  auto user = CreateAdministrator(username, password, actor);
  if (user.ok()) {
    std::lock_guard lock(setup_mu_);
    setup_token_hash_.clear();
  }
  return user;
}

Result<User> SessionManager::CreateAdministrator(const std::string& username,
                                                 const std::string& password, const Actor& actor) {
  if (!IsValidUsername(username)) {
    return MakeError("validation", "user name must be 1-64 letters, digits or . _ - @");
  }
  if (auto st = Policy().Check(password); !st) return st.error();
  auto hash = hasher_.Hash(password);
  if (!hash) return hash.error();
  User u;
  u.username = username;
  u.role = kRoleAdministrator;
  u.password_hash = *hash;
  u.created_at = u.password_changed_at = clock_.NowUnix();
  // CreateFirst is atomic: two racing setups cannot both create an administrator.
  auto created = store_.Users().CreateFirst(u);
  if (!created) {
    if (created.error().code == "conflict") return MakeError("not_found", "not found");
    return created.error();
  }
  Audit("setup.completed", actor, "first administrator " + username);
  return created;
}

// ---------------------------------------------------------------- users

Result<User> SessionManager::AddUser(const std::string& username, const std::string& role,
                                     const std::string& password, const Actor& actor) {
  if (!IsValidUsername(username)) {
    return MakeError("validation", "user name must be 1-64 letters, digits or . _ - @");
  }
  auto known = store_.Roles().FindByName(role);
  if (!known) return MakeError("validation", "unknown role '" + role + "'");
  if (auto st = Policy().Check(password); !st) return st.error();
  auto hash = hasher_.Hash(password);
  if (!hash) return hash.error();
  User u;
  u.username = username;
  u.role = known->name;
  u.password_hash = *hash;
  u.created_at = u.password_changed_at = clock_.NowUnix();
  auto created = store_.Users().Create(u);
  if (created) Audit("user.created", actor, username + " as " + u.role);
  return created;
}

std::vector<User> SessionManager::ListUsers() { return store_.Users().List(); }

Status SessionManager::SetUserDisabled(const std::string& username, bool disabled,
                                       const Actor& actor) {
  auto u = store_.Users().FindByName(username);
  if (!u) return MakeError("not_found", "no user named '" + username + "'");
  if (disabled && IsLastAdministrator(*u)) return MakeError("last_administrator", "the last administrator cannot be disabled");
  u->disabled = disabled;
  if (auto st = store_.Users().Update(*u); !st) return st;
  if (disabled) EndAccess(*u);
  Audit(disabled ? "user.disabled" : "user.enabled", actor, username);
  return {};
}

bool SessionManager::IsLastAdministrator(const User& u) {
  if (u.disabled) return false;
  return !AdministratorRemains(store_, [&](User& other) { return other.id != u.id; });
}

Status SessionManager::SetUserRole(const std::string& username, const std::string& role, const Actor& actor) {
  if (auto st = authorizer_.Check(actor, Permission::kAdminister); !st) return st;
  auto u = store_.Users().FindByName(username);
  if (!u) return MakeError("not_found", "no user named '" + username + "'");
  auto known = store_.Roles().FindByName(role);
  if (!known) return MakeError("validation", "unknown role '" + role + "'");
  if (!AdministratorRemains(store_, [&](User& other) {
        if (other.id == u->id) other.role = known->name;
        return true;
      })) {
    return MakeError("last_administrator", "the last administrator cannot lose the Administer permission");
  }
  const std::string before = u->role;
  u->role = known->name;
  if (auto st = store_.Users().Update(*u); !st) return st;
  EndAccess(*u);
  Audit("user.role_changed", actor, username + ": " + before + " -> " + u->role);
  return {};
}

void SessionManager::EndAccess(const User& u) {
  (void)store_.WebSessions().DeleteForUser(u.id);
  (void)store_.Tokens().DeleteForUser(u.id);
  {
    std::lock_guard lock(host_tokens_mu_);
    for (auto it = host_tokens_.begin(); it != host_tokens_.end();) {
      it = it->second.user_id == u.id ? host_tokens_.erase(it) : std::next(it);
    }
  }
  if (observer_) observer_->OnUserRevoked(u.id, u.username);
}

void SessionManager::EndTokenAccess(const std::string& token_id) {
  {
    std::lock_guard lock(host_tokens_mu_);
    for (auto it = host_tokens_.begin(); it != host_tokens_.end();) {
      it = it->second.api_token_id == token_id ? host_tokens_.erase(it) : std::next(it);
    }
  }
  if (observer_) observer_->OnApiTokenRevoked(token_id);
}

Status SessionManager::RevokeUser(const std::string& username, const Actor& actor) {
  auto u = store_.Users().FindByName(username);
  if (!u) return MakeError("not_found", "no user named '" + username + "'");
  EndAccess(*u);
  Audit("user.revoked", actor, username);
  return {};
}

Status SessionManager::DeleteUser(const std::string& username, const Actor& actor) {
  auto u = store_.Users().FindByName(username);
  if (!u) return MakeError("not_found", "no user named '" + username + "'");
  if (IsLastAdministrator(*u)) return MakeError("last_administrator", "the last administrator cannot be deleted");
  EndAccess(*u);
  if (auto st = store_.Users().Delete(u->id); !st) return st;
  Audit("user.deleted", actor, username);
  return {};
}

Status SessionManager::SetPassword(const std::string& username, const std::string& password,
                                   const Actor& actor, bool require_change) {
  auto u = store_.Users().FindByName(username);
  if (!u) return MakeError("not_found", "no user named '" + username + "'");
  if (auto st = Policy().Check(password); !st) return st;
  auto hash = hasher_.Hash(password);
  if (!hash) return hash.error();
  u->password_hash = *hash;
  u->password_changed_at = clock_.NowUnix();
  u->must_change_password = require_change;
  if (auto st = store_.Users().Update(*u); !st) return st;
  // A new password ends everything the user holds (web sessions, host tokens, live connections).
  EndAccess(*u);
  Audit(require_change ? "user.password_reset" : "user.password_changed", actor, username);
  return {};
}

// ---------------------------------------------------------------- web sessions

Result<LoginResult> SessionManager::Login(const std::string& username, const std::string& password,
                                          const std::string& source, const std::string& user_agent,
                                          const std::string& otp) {
  Actor actor{username.substr(0, 64), source};
  const std::string agent = "agent=" + user_agent.substr(0, 200);
  const std::string account = AccountKey(username);
  // Every failure counts against the account name and the address, and is audited by kind.
  auto fail = [&](const char* kind, Error answer) {
    Audit(kind, actor, agent);
    account_failures_.Failure(account);
    address_failures_.Failure(source);
    return answer;
  };
  const Error invalid = MakeError("invalid_credentials", "wrong user name or password");
  if (password.size() > static_cast<size_t>(PasswordPolicy::kMaxLength) || username.size() > 256) {
    hasher_.VerifyDummy(password.substr(0, PasswordPolicy::kMaxLength));
    return fail("login.failure.malformed", invalid);
  }
  // Locked: the same answer after the same work as a wrong password, right password or not.
  if (!account_failures_.Allowed(account) || !address_failures_.Allowed(source)) {
    hasher_.VerifyDummy(password);
    Audit("login.failure.locked", actor, agent);
    return invalid;
  }
  auto user = store_.Users().FindByName(username);
  if (!user) {
    hasher_.VerifyDummy(password);
    return fail("login.failure.unknown_user", invalid);
  }
  if (!hasher_.Verify(user->password_hash, password)) return fail("login.failure.bad_password", invalid);
  if (user->disabled) return fail("login.failure.disabled", invalid);
  if (user->totp_enabled) {
    if (otp.empty()) {
      Audit("login.failure.otp_missing", actor, agent);
      return MakeError("otp_required", "enter the one-time code from your authenticator app");
    }
    if (!UseSecondFactor(*user, otp, actor)) {
      return fail("login.failure.bad_otp", MakeError("invalid_otp", "wrong or already used one-time code"));
    }
  }
  account_failures_.Reset(account);
  if (hasher_.NeedsRehash(user->password_hash)) {
    if (auto h = hasher_.Hash(password)) {
      user->password_hash = *h;
      (void)store_.Users().Update(*user);
    }
  }
  auto result = OpenWebSession(*user, source, user_agent);
  if (result) Audit("login.success", actor, agent);
  return result;
}

Status SessionManager::UnlockAccount(const std::string& username, const Actor& actor) {
  if (!store_.Users().FindByName(username)) return MakeError("not_found", "no user named '" + username + "'");
  account_failures_.Reset(AccountKey(username));
  Audit("user.unlocked", actor, username);
  return {};
}

void SessionManager::UnlockAddress(const std::string& address, const Actor& actor) {
  address_failures_.Reset(address);
  Audit("address.unlocked", actor, address.substr(0, 64));
}

bool SessionManager::AccountLocked(const std::string& username) {
  return !account_failures_.Allowed(AccountKey(username));
}

Result<LoginResult> SessionManager::OpenWebSession(const User& user, const std::string& source,
                                                   const std::string& user_agent) {
  LoginResult result;
  result.user = user;
  result.session_token = RandomToken(32);
  result.csrf_token = RandomToken(32);
  WebSession ws;
  ws.token_hash = Sha256Hex(result.session_token);
  ws.user_id = user.id;
  ws.csrf_token = result.csrf_token;
  ws.created_at = ws.last_seen = clock_.NowUnix();
  ws.source = source;
  ws.user_agent = user_agent.substr(0, 200);
  if (auto st = store_.WebSessions().Create(ws); !st) return st.error();
  return result;
}

Result<LoginResult> SessionManager::ChangeOwnPassword(const AuthContext& ctx, const std::string& current,
                                                      const std::string& replacement,
                                                      const std::string& source,
                                                      const std::string& user_agent) {
  Actor actor{ctx.user.username, source};
  if (current.size() > static_cast<size_t>(PasswordPolicy::kMaxLength)) {
    return MakeError("validation", "password is longer than 1024 characters");
  }
  auto user = store_.Users().FindById(ctx.user.id);
  if (!user) return MakeError("unauthenticated", "log in first");
  const std::string account = AccountKey(user->username);
  if (!account_failures_.Allowed(account) || !hasher_.Verify(user->password_hash, current)) {
    Audit("password.change_failure.bad_password", actor, "");
    account_failures_.Failure(account);
    return MakeError("forbidden", "the current password is wrong");
  }
  if (auto st = Policy().Check(replacement); !st) return st.error();
  if (replacement == current) {
    return MakeError("validation", "the new password must differ from the current one");
  }
  auto hash = hasher_.Hash(replacement);
  if (!hash) return hash.error();
  user->password_hash = *hash;
  user->password_changed_at = clock_.NowUnix();
  user->must_change_password = false;
  if (auto st = store_.Users().Update(*user); !st) return st.error();
  // Everything the user holds ends (a thief's session included); the caller gets a fresh one.
  EndAccess(*user);
  Audit("password.changed", actor, "");
  return OpenWebSession(*user, source, user_agent);
}

Result<AuthContext> SessionManager::Authenticate(const std::string& session_token) {
  const Error unauth = MakeError("unauthenticated", "log in first");
  if (session_token.empty() || session_token.size() > 128) return unauth;
  const std::string hash = Sha256Hex(session_token);
  auto ws = store_.WebSessions().Find(hash);
  if (!ws) return unauth;
  const int64_t now = clock_.NowUnix();
  const SecurityValues sec = security_.Get();
  const bool idle = now - ws->last_seen > sec.web_idle_timeout_s;
  if (idle || now - ws->created_at > sec.web_absolute_timeout_s) {
    (void)store_.WebSessions().Delete(hash);
    // Once: the deleted session is not found again.
    auto owner = store_.Users().FindById(ws->user_id);
    Audit("logout.expired", Actor{owner ? owner->username : "?", ws->source},
          idle ? "idle for more than " + DurationText(sec.web_idle_timeout_s)
               : "older than " + DurationText(sec.web_absolute_timeout_s));
    return unauth;
  }
  auto user = store_.Users().FindById(ws->user_id);
  if (!user || user->disabled) {
    (void)store_.WebSessions().Delete(hash);
    return unauth;
  }
  // Touch at most once a minute to keep writes off the request path.
  if (now - ws->last_seen >= 60) {
    (void)store_.WebSessions().Touch(hash, now);
    ws->last_seen = now;
  }
  return AuthContext{*user, *ws, ws->created_at + sec.web_absolute_timeout_s};
}

Result<AuthContext> SessionManager::AuthenticateToken(std::string_view secret, const std::string& source) {
  auto use = tokens_.Authenticate(secret, source);
  if (!use) return use.error();
  AuthContext ctx{use->user, WebSession{}, use->token.expires_at, use->scope, use->token.id};
  ctx.session.user_id = use->user.id;
  ctx.session.source = source;
  return ctx;
}

void SessionManager::Logout(const std::string& session_token, const std::string& source) {
  const std::string hash = Sha256Hex(session_token);
  auto ws = store_.WebSessions().Find(hash);
  if (!ws) return;
  (void)store_.WebSessions().Delete(hash);
  auto user = store_.Users().FindById(ws->user_id);
  Audit("logout", Actor{user ? user->username : "?", source}, "");
}

// ---------------------------------------------------------------- sessions

Result<Session> SessionManager::CreateSession(SessionType type, const std::string& name,
                                              const std::string& code, const Actor& actor) {
  if (!IsValidSessionName(name)) return MakeError("validation", "session name must be 1-128 printable characters");
  Session s;
  s.id = RandomIdentifier(16);
  s.type = type;
  s.name = name;
  s.created_by = actor.name;
  s.created_at = clock_.NowUnix();
  if (HasJoinCode(type)) {
    if (!code.empty()) {
      if (!IsValidJoinCode(code)) return MakeError("validation", "code must be 4-32 letters, digits or '-'");
      if (store_.Sessions().OpenCodeExists(code)) {
        return MakeError("conflict", "an open session already uses that code");
      }
      s.code = code;
    } else {
      for (int attempt = 0; attempt < 20 && s.code.empty(); ++attempt) {
        std::string candidate = RandomDigits(6);
        if (!store_.Sessions().OpenCodeExists(candidate)) s.code = candidate;
      }
      if (s.code.empty()) return MakeError("conflict", "no free session code; try again");
    }
  } else if (!code.empty()) {
    return MakeError("validation", "only support and meeting sessions have a join code");
  }
  SessionEvent created{0, s.id, "created", actor.name, "", s.created_at};
  auto result = store_.Sessions().Create(s, created);
  if (result) Audit("session.created", actor, std::string(SessionTypeName(type)) + " " + s.id);
  return result;
}

std::vector<Session> SessionManager::ListSessions(const SessionQuery& query) {
  return store_.Sessions().List(query);
}

std::optional<Session> SessionManager::GetSession(const std::string& id) {
  return store_.Sessions().Find(id);
}

Status SessionManager::EndSession(const std::string& id, const Actor& actor, const std::string& why) {
  SessionEvent ended{0, id, "ended", actor.name, why, clock_.NowUnix()};
  auto st = store_.Sessions().End(id, ended);
  if (st) {
    Audit("session.ended", actor, why.empty() ? id : id + " (" + why + ")");
    if (observer_) observer_->OnSessionEnded(id, why.empty() ? "the session was ended by " + actor.name : why);
  }
  return st;
}

Status SessionManager::AppendEvent(const std::string& session_id, const std::string& kind,
                                   const std::string& actor, const std::string& detail) {
  const int64_t now = clock_.NowUnix();
  if (kind == "guest_connected" || kind == "guest_disconnected") {
    (void)store_.Sessions().SetGuestPresence(session_id, kind == "guest_connected", now);
  }
  auto id = store_.Sessions().AppendEvent(SessionEvent{0, session_id, kind, actor, detail, now});
  if (!id) return id.error();
  return {};
}

Result<Session> SessionManager::AdmitGuestByCode(const std::string& code, const std::string& source) {
  if (!code_failures_.Allowed(source)) return MakeError("rate_limited", "too many wrong codes");
  auto session = IsValidJoinCode(code) ? store_.Sessions().FindOpenByCode(code) : std::nullopt;
  if (!session || !HasJoinCode(session->type)) {
    code_failures_.Failure(source);
    return MakeError("unauthenticated", "unknown or expired session code");
  }
  return *session;
}

std::vector<SessionEvent> SessionManager::Events(const std::string& id) {
  return store_.Sessions().Events(id);
}

void SessionManager::AuditRefusedAddress(const std::string& area, const std::string& source,
                                         const std::string& detail) {
  const std::string key = area + " " + source;
  if (!refusal_audits_.Allowed(key)) return;
  refusal_audits_.Failure(key);
  Audit("ip.refused", Actor{"-", source}, "area=" + area + " " + detail);
}

ManagerStats SessionManager::Stats() {
  ManagerStats s;
  s.users = store_.Users().Count();
  s.open_sessions = store_.Sessions().CountOpen();
  s.schema_version = store_.SchemaVersion();
  s.setup_required = s.users == 0;
  return s;
}

}  // namespace tether::manager

namespace tether::manager {

Result<SessionManager::HostToken> SessionManager::IssueHostToken(const std::string& session_id,
                                                                 const AuthContext& caller) {
  auto session = store_.Sessions().Find(session_id);
  if (!session) return MakeError("not_found", "no such session");
  if (session->ended_at != 0) return MakeError("conflict", "the session has ended");
  const int64_t now = clock_.NowUnix();
  HostToken t{RandomToken(32), now + 60};
  std::lock_guard lock(host_tokens_mu_);
  for (auto it = host_tokens_.begin(); it != host_tokens_.end();) {
    it = it->second.expires_at <= now ? host_tokens_.erase(it) : std::next(it);
  }
  if (host_tokens_.size() >= 10000) return MakeError("rate_limited", "too many pending host tokens");
  host_tokens_[Sha256Hex(t.token)] = PendingHostToken{session_id,         caller.user.id,     t.expires_at,
                                                      caller.token_id,    caller.token_scope, caller.expires_at};
  return t;
}

Result<SessionManager::HostAdmission> SessionManager::AdmitHostByToken(const std::string& token,
                                                                       const std::string& source) {
  if (!code_failures_.Allowed(source)) return MakeError("rate_limited", "too many failed attempts");
  PendingHostToken pending;
  {
    std::lock_guard lock(host_tokens_mu_);
    auto it = host_tokens_.find(Sha256Hex(token));
    if (it != host_tokens_.end()) {
      pending = it->second;
      host_tokens_.erase(it);  // single use
    }
  }
  const Error refused = MakeError("unauthenticated", "unknown or expired host token");
  if (pending.session_id.empty() || pending.expires_at <= clock_.NowUnix()) {
    code_failures_.Failure(source);
    return refused;
  }
  auto user = store_.Users().FindById(pending.user_id);
  auto session = store_.Sessions().Find(pending.session_id);
  if (!user || user->disabled || !session || session->ended_at != 0) return refused;
  // Issued through an API token: that token must still be there, and its scope still limits.
  if (!pending.api_token_id.empty() &&
      (!store_.Tokens().Find(pending.api_token_id) || clock_.NowUnix() >= pending.not_after)) {
    return refused;
  }
  // The rights are those of now, not of when the token was issued.
  const Actor actor{user->username, source, user->role, user->id, pending.token_scope};
  if (!authorizer_.Check(actor, Permission::kJoinSession, &*session)) return refused;
  HostAdmission admission{*session, user->username, user->id, pending.api_token_id, pending.not_after};
  admission.may_end_session = authorizer_.Check(actor, Permission::kEndSession, &*session).ok();
  admission.may_transfer_files = authorizer_.Check(actor, Permission::kTransferFiles, &*session).ok();
  return admission;
}

}  // namespace tether::manager
