#include "server/manager/session_manager.h"

#include <cctype>

#include "base/crypto.h"
#include "server/manager/validation.h"

namespace tether::manager {

SessionManager::SessionManager(Store& store, const Clock& clock, ManagerOptions options)
    : store_(store), clock_(clock), options_(options), hasher_(options.hash),
      code_failures_(clock, 10, 60) {}

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
  if (auto st = options_.policy.Check(password); !st) return st.error();
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
  if (!IsKnownRole(role)) return MakeError("validation", "unknown role '" + role + "'");
  if (auto st = options_.policy.Check(password); !st) return st.error();
  auto hash = hasher_.Hash(password);
  if (!hash) return hash.error();
  User u;
  u.username = username;
  u.role = role;
  u.password_hash = *hash;
  u.created_at = u.password_changed_at = clock_.NowUnix();
  auto created = store_.Users().Create(u);
  if (created) Audit("user.created", actor, username + " as " + role);
  return created;
}

std::vector<User> SessionManager::ListUsers() { return store_.Users().List(); }

Status SessionManager::SetUserDisabled(const std::string& username, bool disabled,
                                       const Actor& actor) {
  auto u = store_.Users().FindByName(username);
  if (!u) return MakeError("not_found", "no user named '" + username + "'");
  if (disabled && IsLastAdministrator(*u)) return MakeError("conflict", "the last administrator cannot be disabled");
  u->disabled = disabled;
  if (auto st = store_.Users().Update(*u); !st) return st;
  if (disabled) EndAccess(*u);
  Audit(disabled ? "user.disabled" : "user.enabled", actor, username);
  return {};
}

bool SessionManager::IsLastAdministrator(const User& u) {
  if (u.role != kRoleAdministrator || u.disabled) return false;
  int enabled_admins = 0;
  for (const auto& other : store_.Users().List()) {
    if (other.role == kRoleAdministrator && !other.disabled) ++enabled_admins;
  }
  return enabled_admins <= 1;
}

void SessionManager::EndAccess(const User& u) {
  (void)store_.WebSessions().DeleteForUser(u.id);
  // API tokens: when a token store exists, the user's tokens are deleted here as well.
  {
    std::lock_guard lock(host_tokens_mu_);
    for (auto it = host_tokens_.begin(); it != host_tokens_.end();) {
      it = it->second.user_id == u.id ? host_tokens_.erase(it) : std::next(it);
    }
  }
  if (observer_) observer_->OnUserRevoked(u.id, u.username);
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
  if (IsLastAdministrator(*u)) return MakeError("conflict", "the last administrator cannot be deleted");
  EndAccess(*u);
  if (auto st = store_.Users().Delete(u->id); !st) return st;
  Audit("user.deleted", actor, username);
  return {};
}

Status SessionManager::SetPassword(const std::string& username, const std::string& password,
                                   const Actor& actor) {
  auto u = store_.Users().FindByName(username);
  if (!u) return MakeError("not_found", "no user named '" + username + "'");
  if (auto st = options_.policy.Check(password); !st) return st;
  auto hash = hasher_.Hash(password);
  if (!hash) return hash.error();
  u->password_hash = *hash;
  u->password_changed_at = clock_.NowUnix();
  if (auto st = store_.Users().Update(*u); !st) return st;
  // A new password ends every web session of that user.
  (void)store_.WebSessions().DeleteForUser(u->id);
  Audit("user.password_changed", actor, username);
  return {};
}

// ---------------------------------------------------------------- web sessions

Result<LoginResult> SessionManager::Login(const std::string& username, const std::string& password,
                                          const std::string& source, const std::string& user_agent) {
  Actor actor{username.substr(0, 64), source};
  const Error invalid = MakeError("invalid_credentials", "wrong user name or password");
  if (password.size() > static_cast<size_t>(PasswordPolicy::kMaxLength) || username.size() > 256) {
    hasher_.VerifyDummy(password.substr(0, PasswordPolicy::kMaxLength));
    Audit("login.failure.malformed", actor, "");
    return invalid;
  }
  auto user = store_.Users().FindByName(username);
  if (!user) {
    hasher_.VerifyDummy(password);
    Audit("login.failure.unknown_user", actor, "agent=" + user_agent.substr(0, 200));
    return invalid;
  }
  if (!hasher_.Verify(user->password_hash, password)) {
    Audit("login.failure.bad_password", actor, "agent=" + user_agent.substr(0, 200));
    return invalid;
  }
  if (user->disabled) {
    Audit("login.failure.disabled", actor, "agent=" + user_agent.substr(0, 200));
    return invalid;
  }
  if (hasher_.NeedsRehash(user->password_hash)) {
    if (auto h = hasher_.Hash(password)) {
      user->password_hash = *h;
      (void)store_.Users().Update(*user);
    }
  }
  LoginResult result;
  result.user = *user;
  result.session_token = RandomToken(32);
  result.csrf_token = RandomToken(32);
  WebSession ws;
  ws.token_hash = Sha256Hex(result.session_token);
  ws.user_id = user->id;
  ws.csrf_token = result.csrf_token;
  ws.created_at = ws.last_seen = clock_.NowUnix();
  ws.source = source;
  ws.user_agent = user_agent.substr(0, 200);
  if (auto st = store_.WebSessions().Create(ws); !st) return st.error();
  Audit("login.success", actor, "agent=" + ws.user_agent);
  return result;
}

Result<AuthContext> SessionManager::Authenticate(const std::string& session_token) {
  const Error unauth = MakeError("unauthenticated", "log in first");
  if (session_token.empty() || session_token.size() > 128) return unauth;
  const std::string hash = Sha256Hex(session_token);
  auto ws = store_.WebSessions().Find(hash);
  if (!ws) return unauth;
  const int64_t now = clock_.NowUnix();
  if (now - ws->last_seen > options_.web_idle_timeout_s ||
      now - ws->created_at > options_.web_absolute_timeout_s) {
    (void)store_.WebSessions().Delete(hash);
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
  return AuthContext{*user, *ws, ws->created_at + options_.web_absolute_timeout_s};
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
  s.id = RandomToken(16);
  s.type = type;
  s.name = name;
  s.created_by = actor.name;
  s.created_at = clock_.NowUnix();
  if (type == SessionType::kSupport) {
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
    return MakeError("validation", "only support sessions have a join code");
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
  if (!session || session->type != SessionType::kSupport) {
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
                                                                 const User& user) {
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
  host_tokens_[Sha256Hex(t.token)] = PendingHostToken{session_id, user.id, t.expires_at};
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
  return HostAdmission{*session, user->username, user->id};
}

}  // namespace tether::manager
