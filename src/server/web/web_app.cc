#include "server/web/web_app.h"

#include "base/crypto.h"
#include "server/manager/api_token_format.h"
#include "server/web/ip_areas.h"
#include "server/web/path_policy.h"

namespace tether::web {

WebApp::WebApp(manager::SessionManager& manager, Metrics& metrics, const StaticFiles& ui,
               WebAppOptions options, std::function<HealthReport()> health)
    : manager_(manager),
      metrics_(metrics),
      ui_(ui),
      options_(std::move(options)),
      health_(std::move(health)),
      requests_(metrics.Counter("tether_http_requests_total", "HTTP requests handled")),
      logins_ok_(metrics.Counter("tether_logins_succeeded_total", "Successful logins")),
      logins_failed_(metrics.Counter("tether_logins_failed_total", "Failed logins")),
      sessions_open_(metrics.Gauge("tether_sessions_open", "Sessions not yet ended")) {
  routes_ = {
      {"GET", "/healthz", &WebApp::Healthz},
      {"GET", "/metrics", &WebApp::MetricsPage},
      {"GET", "/api/v1/openapi.json", &WebApp::OpenApi},
      {"POST", "/api/v1/setup", &WebApp::Setup, true},
      {"POST", "/api/v1/auth/login", &WebApp::Login},
      {"POST", "/api/v1/auth/logout", &WebApp::Logout},
      {"GET", "/api/v1/me", &WebApp::Me},
      {"POST", "/api/v1/auth/password", &WebApp::ChangePassword},
      {"POST", "/api/v1/auth/totp/enrol", &WebApp::BeginTotp},
      {"POST", "/api/v1/auth/totp/confirm", &WebApp::ConfirmTotp},
      {"POST", "/api/v1/auth/totp/disable", &WebApp::DisableTotp},
      {"POST", "/api/v1/users/{}/unlock", &WebApp::UnlockUser},
      {"GET", "/api/v1/users", &WebApp::ListUsers},
      {"PATCH", "/api/v1/users/{}", &WebApp::UpdateUser},
      {"GET", "/api/v1/roles", &WebApp::ListRoles},
      {"POST", "/api/v1/roles", &WebApp::CreateRole},
      {"GET", "/api/v1/roles/{}", &WebApp::GetRole},
      {"PATCH", "/api/v1/roles/{}", &WebApp::UpdateRole},
      {"DELETE", "/api/v1/roles/{}", &WebApp::DeleteRole},
      {"GET", "/api/v1/sessions", &WebApp::ListSessions},
      {"POST", "/api/v1/sessions", &WebApp::CreateSession},
      {"GET", "/api/v1/sessions/{}", &WebApp::GetSession},
      {"PATCH", "/api/v1/sessions/{}", &WebApp::UpdateSession},
      {"DELETE", "/api/v1/sessions/{}", &WebApp::DeleteSession},
      {"POST", "/api/v1/sessions/{}/notes", &WebApp::AddNote},
      {"POST", "/api/v1/sessions/{}/end", &WebApp::EndSession},
      {"GET", "/api/v1/sessions/{}/events", &WebApp::SessionEvents},
      {"GET", "/api/v1/sessions/{}/connect", &WebApp::ConnectWithoutUpgrade},
      {"POST", "/api/v1/sessions/{}/host-token", &WebApp::IssueHostToken},
      {"GET", "/api/v1/sessions/{}/thumbnail", &WebApp::SessionThumbnail},
      {"GET", "/api/v1/session-groups", &WebApp::ListGroups},
      {"POST", "/api/v1/session-groups", &WebApp::CreateGroup},
      {"GET", "/api/v1/session-groups/{}", &WebApp::GetGroup},
      {"PATCH", "/api/v1/session-groups/{}", &WebApp::UpdateGroup},
      {"DELETE", "/api/v1/session-groups/{}", &WebApp::DeleteGroup},
      {"GET", "/api/v1/session-groups/{}/subgroups", &WebApp::GroupSubgroups},
      {"GET", "/api/v1/settings/security", &WebApp::SecuritySettings},
      {"PATCH", "/api/v1/settings/security", &WebApp::ChangeSecuritySettings},
      {"POST", "/api/v1/guest/join", &WebApp::JoinAsGuest},
      {"GET", "/api/v1/guest/signing-key", &WebApp::GuestSigningKey},
      {"POST", "/api/v1/access/installers", &WebApp::BuildAccessInstaller},
      {"GET", "/api/v1/access/installers", &WebApp::ListAccessInstallers},
      {"GET", "/api/v1/tokens", &WebApp::ListTokens},
      {"POST", "/api/v1/tokens", &WebApp::CreateToken},
      {"DELETE", "/api/v1/tokens/{}", &WebApp::RevokeToken},
      {"GET", "/setup", &WebApp::SetupPage, true},
      {"GET", "/", &WebApp::UiPage},
      {"GET", "/login", &WebApp::UiPage},
      {"GET", "/password", &WebApp::UiPage},
      {"GET", "/two-factor", &WebApp::UiPage},
      {"GET", "/tokens", &WebApp::UiPage},
      {"GET", "/admin", &WebApp::UiPage},
      {"GET", "/roles", &WebApp::UiPage},
      {"GET", "/guest", &WebApp::UiPage},
      {"GET", "/sessions/{}/view", &WebApp::UiPage},
      {"GET", "/assets/{}", &WebApp::Asset},
      {"GET", "/favicon.svg", &WebApp::Asset},
  };
}

namespace {

// Matches `path` against `pattern`, collecting "{}" segments. Both are canonical paths.
bool Match(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  params.clear();
  while (true) {
    size_t ps = pattern.find('/'), ts = path.find('/');
    std::string_view pseg = pattern.substr(0, ps), tseg = path.substr(0, ts);
    if (pseg == "{}") {
      if (tseg.empty()) return false;
      params.emplace_back(tseg);
    } else if (pseg != tseg) {
      return false;
    }
    if (ps == std::string_view::npos || ts == std::string_view::npos) {
      return ps == std::string_view::npos && ts == std::string_view::npos;
    }
    pattern.remove_prefix(ps + 1);
    path.remove_prefix(ts + 1);
  }
}

}  // namespace

HttpResponse WebApp::Handle(const HttpRequest& req) {
  requests_.Add();
  auto refused = RefuseAddress(req);
  HttpResponse resp = refused ? std::move(*refused) : Dispatch(req);
  AddSecurityHeaders(resp, options_.hsts);
  return resp;
}

HttpResponse WebApp::Dispatch(const HttpRequest& req) {
  if (!IsCanonicalPath(req.path)) return HttpResponse::NotFound();
  bool path_known = false;
  Params params;
  for (const auto& route : routes_) {
    if (!Match(route.pattern, req.path, params)) continue;
    if (route.setup_only && !manager_.SetupRequired()) {
      // Setup is gone for every method; a browser asking for the page gets a 404 that still
      // carries the UI, so it can say so instead of showing raw JSON.
      if (req.method == "GET" && route.handler == &WebApp::SetupPage) return SetupPage(req, params);
      return HttpResponse::NotFound();
    }
    path_known = true;
    if (req.method == route.method || (req.method == "HEAD" && std::string_view(route.method) == "GET")) {
      if (req.IsStateChanging() && !OriginAllowed(req)) {
        return HttpResponse::Error(403, "forbidden", "cross-origin request refused");
      }
      // Sign-in, setup and token management refuse API tokens, whatever else the request has.
      if (!req.Header("authorization").empty() && TokenForbiddenPath(req.path)) {
        return HttpResponse::Error(403, "forbidden", "API tokens cannot be used here");
      }
      return (this->*route.handler)(req, params);
    }
  }
  if (path_known) return HttpResponse::Error(405, "method_not_allowed", "method not allowed");
  return HttpResponse::NotFound();
}

std::string WebApp::ClientAddressOf(const HttpRequest& req) const {
  return ClientAddressWith(req, *manager_.Security().Ip());
}

std::optional<HttpResponse> WebApp::RefuseAddress(const HttpRequest& req) {
  const auto ip = manager_.Security().Ip();  // IP restrictions in force (the page may change them)
  const char* area = RefusingArea(req, *ip);
  if (!area) return std::nullopt;
  manager_.AuditRefusedAddress(area, req.remote_addr, req.method + " " + req.path.substr(0, 200));
  return HttpResponse::Error(403, "forbidden", "requests from your address are not allowed here");
}

WebApp::UpgradeDecision WebApp::AuthorizeUpgrade(const HttpRequest& req) {
  UpgradeDecision d;
  auto finish = [&](HttpResponse r) {
    AddSecurityHeaders(r, options_.hsts);
    d.response = std::move(r);
    return d;
  };
  if (auto refused = RefuseAddress(req)) return finish(std::move(*refused));
  Params params;
  if (!IsCanonicalPath(req.path) || req.method != "GET" ||
      !Match("/api/v1/sessions/{}/connect", req.path, params)) {
    return finish(HttpResponse::NotFound());
  }
  // Browsers always send Origin on WebSocket requests; a page of another site must not be able
  // to open a viewer with the user's cookie.
  if (!IsOwnOrigin(req.Header("origin"), req.Header("host"), options_.public_origin)) {
    return finish(HttpResponse::Error(403, "forbidden", "cross-origin WebSocket refused"));
  }
  auto ctx = RequireUser(req);
  if (!ctx) return finish(ErrorResponse(ctx.error()));
  auto session = manager_.GetSession(params[0]);
  if (!session) return finish(HttpResponse::NotFound());
  if (session->ended_at != 0) return finish(HttpResponse::Error(410, "session_ended", "the session has ended"));
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::Permission::kJoinSession, &*session); !st) {
    return finish(ErrorResponse(st.error()));
  }
  d.grant = HostGrant{session->id, session->name, ctx->user.username, false, ctx->user.id, ctx->expires_at,
                      manager::SessionTypeName(session->type)};
  // Access sessions: whoever holds HostSessionWithoutConsent joins without asking (docs/access.md).
  const auto actor = ActorOf(*ctx, req);
  d.grant->consent_required = !manager_.Authorize(actor, manager::Permission::kHostSessionWithoutConsent, &*session);
  d.grant->may_end_session = manager_.Authorize(actor, manager::Permission::kEndSession, &*session).ok();
  d.grant->may_transfer_files = manager_.Authorize(actor, manager::Permission::kTransferFiles, &*session).ok();
  d.grant->api_token_id = ctx->token_id;
  return d;
}

HttpResponse WebApp::ConnectWithoutUpgrade(const HttpRequest&, const Params&) {
  HttpResponse r = HttpResponse::Error(426, "upgrade_required", "this endpoint speaks WebSocket");
  r.Set("Upgrade", "websocket");
  return r;
}

bool WebApp::OriginAllowed(const HttpRequest& req) const {
  const std::string& origin = req.Header("origin");
  if (origin.empty()) {
    // Non-browser clients send no Origin; browsers always send it on cross-site POSTs. Also
    // demand a JSON body type, which a cross-site HTML form cannot produce.
    const std::string& type = req.Header("content-type");
    return req.body.empty() || type.rfind("application/json", 0) == 0;
  }
  return IsOwnOrigin(origin, req.Header("host"), options_.public_origin);
}

std::string WebApp::SessionCookieValue(const HttpRequest& req) {
  return std::string(CookieValue(req.Header("cookie"), kSessionCookie));
}

Result<manager::AuthContext> WebApp::RequireUser(const HttpRequest& req) {
  // A request with an Authorization header is never cookie-authenticated: a wrong token is
  // refused even when a valid session cookie comes with it, and no CSRF header is needed.
  if (!req.Header("authorization").empty()) return RequireTokenUser(req);
  auto ctx = manager_.Authenticate(SessionCookieValue(req));
  if (!ctx) return ctx.error();
  if (req.IsStateChanging() &&
      !ConstantTimeEquals(req.Header("x-csrf-token"), ctx->session.csrf_token)) {
    return MakeError("csrf", "missing or wrong X-CSRF-Token header");
  }
  // Restricted logins: what they may reach is listed here, and nothing else is.
  const bool basic = req.path == "/api/v1/me" || req.path == "/api/v1/auth/logout" ||
                     req.path == "/api/v1/auth/password";
  if (ctx->user.must_change_password && !basic) {
    return MakeError("password_change_required", "change your password first");
  }
  if (!ctx->user.totp_enabled && manager_.TwoFactorRequired(ctx->user) && !basic &&
      req.path != "/api/v1/auth/totp/enrol" && req.path != "/api/v1/auth/totp/confirm") {
    return MakeError("two_factor_required", "turn on two-factor authentication first");
  }
  return ctx;
}

Result<manager::AuthContext> WebApp::RequireTokenUser(const HttpRequest& req) {
  if (TokenForbiddenPath(req.path)) {
    return MakeError("forbidden", "API tokens cannot sign in, change passwords, set up two-factor "
                                  "authentication or manage API tokens");
  }
  auto secret = manager::ParseBearer(req.Header("authorization"));
  auto ctx = manager_.AuthenticateToken(secret.value_or(std::string_view()), req.remote_addr);
  if (!ctx) return ctx.error();
  if (ctx->user.must_change_password) return MakeError("password_change_required", "change your password first");
  if (!ctx->user.totp_enabled && manager_.TwoFactorRequired(ctx->user)) {
    return MakeError("two_factor_required", "turn on two-factor authentication first");
  }
  return ctx;
}

bool WebApp::TokenForbiddenPath(std::string_view path) {
  for (std::string_view prefix : {"/api/v1/auth", "/api/v1/tokens", "/api/v1/setup"}) {
    if (path == prefix || (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/')) {
      return true;
    }
  }
  return false;
}

manager::Actor WebApp::ActorOf(const manager::AuthContext& ctx, const HttpRequest& req) {
  return manager::Actor{ctx.user.username, req.remote_addr, ctx.user.role, ctx.user.id, ctx.token_scope};
}

void AddSecurityHeaders(HttpResponse& resp, bool hsts) {
  resp.Set("Content-Security-Policy",
           "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
           "form-action 'self'; object-src 'none'");
  if (hsts) resp.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  resp.Set("X-Content-Type-Options", "nosniff");
  resp.Set("X-Frame-Options", "DENY");
  resp.Set("Referrer-Policy", "no-referrer");
  resp.Set("Cross-Origin-Opener-Policy", "same-origin");
  resp.Set("Cross-Origin-Resource-Policy", "same-origin");
  resp.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  bool has_cache = false;
  for (const auto& [n, v] : resp.headers) has_cache |= n == "Cache-Control";
  if (!has_cache) resp.Set("Cache-Control", "no-store");
}

}  // namespace tether::web
