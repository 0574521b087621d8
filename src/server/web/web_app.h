#pragma once
// WebApp: the Web Server's request handling — path policy, routing, authentication, CSRF and
// Origin checks, security headers, and the handlers of the REST API, health, metrics and UI.
// Handle() is synchronous and may block (SQLite, Argon2id): the HTTPS server calls it on the
// blocking pool, never on a network thread. Thread-safe. Everything it borrows must outlive it.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "net/ip_access.h"
#include "server/manager/access_agents.h"
#include "server/manager/guest_join.h"
#include "server/manager/session_manager.h"
#include "server/web/host_gateway.h"
#include "server/web/http_types.h"
#include "server/web/static_files.h"
#include "server/web/thumbnail_source.h"

namespace tether::web {

struct WebAppOptions {
  bool hsts = true;
  // Extra origin accepted on state-changing requests, e.g. "https://support.example.com".
  std::string public_origin;
  // /metrics answers only loopback clients unless this is set.
  bool metrics_public = false;
  // Where signed agent configurations send agents: relay.public_address (HOST:PORT), or, when
  // empty, the host the guest reached the web server at with `relay_port`.
  std::string relay_public_address;
  uint16_t relay_port = 0;
};

struct HealthReport {
  bool web = false;
  bool relay = false;
  bool manager = false;
  bool Ok() const { return web && relay && manager; }
};

inline constexpr const char* kSessionCookie = "__Host-tether_session";

class WebApp {
 public:
  WebApp(manager::SessionManager& manager, Metrics& metrics, const StaticFiles& ui,
         WebAppOptions options, std::function<HealthReport()> health);

  HttpResponse Handle(const HttpRequest& req);
  // The client a request comes from: its socket peer, or behind a trusted proxy the address the
  // proxy names in X-Forwarded-For (security.ip.trusted_proxies, as in force now).
  std::string ClientAddressOf(const HttpRequest& req) const;

  // A WebSocket upgrade request: either a grant to join a session as a host, or the error
  // response to send instead. Blocking (store lookups); call on the pool.
  struct UpgradeDecision {
    std::optional<HostGrant> grant;
    HttpResponse response;
  };
  UpgradeDecision AuthorizeUpgrade(const HttpRequest& req);

  // Set once during wiring, before serving: the guest page's configurations. Without it the
  // guest API answers 404.
  void SetGuestJoin(manager::GuestJoin* guest_join) { guest_join_ = guest_join; }
  // Set once during wiring: access installers. Without it the access API answers 404.
  void SetAccessAgents(manager::AccessAgents* access) { access_ = access; }
  // Set once during wiring: the relay's thumbnails. Without it every thumbnail is 404.
  void SetThumbnails(ThumbnailSource* thumbnails) { thumbnails_ = thumbnails; }

 private:
  using Params = std::vector<std::string>;  // values of {} segments, in order
  using Handler = HttpResponse (WebApp::*)(const HttpRequest&, const Params&);
  struct Route {
    const char* method;
    const char* pattern;  // "/api/v1/sessions/{}": "{}" matches one non-empty segment
    Handler handler;
    bool setup_only = false;  // exists only until the first administrator does: 404 after, any method
  };

  HttpResponse Dispatch(const HttpRequest& req);
  // The 403 for a client address an area's lists refuse (audited), or nullopt.
  std::optional<HttpResponse> RefuseAddress(const HttpRequest& req);
  bool OriginAllowed(const HttpRequest& req) const;
  // The logged-in user, checking the CSRF token on state-changing requests. A user who must
  // change their password reaches only /me, logout and the password change
  // ("password_change_required"); one the two-factor policy covers who has not enrolled reaches
  // only those and the enrolment ("two_factor_required").
  Result<manager::AuthContext> RequireUser(const HttpRequest& req);
  // RequireUser for a request with an Authorization header: `Bearer <API token>`, never the
  // cookie, no CSRF token; refused under /auth, /setup and /tokens.
  Result<manager::AuthContext> RequireTokenUser(const HttpRequest& req);
  static bool TokenForbiddenPath(std::string_view path);
  static std::string SessionCookieValue(const HttpRequest& req);
  static manager::Actor ActorOf(const manager::AuthContext& ctx, const HttpRequest& req);

  // auth_handlers.cc
  HttpResponse Setup(const HttpRequest&, const Params&);
  HttpResponse SetupPage(const HttpRequest&, const Params&);
  HttpResponse Login(const HttpRequest&, const Params&);
  HttpResponse Logout(const HttpRequest&, const Params&);
  HttpResponse Me(const HttpRequest&, const Params&);
  HttpResponse ChangePassword(const HttpRequest&, const Params&);
  // two_factor_handlers.cc
  HttpResponse BeginTotp(const HttpRequest&, const Params&);
  HttpResponse ConfirmTotp(const HttpRequest&, const Params&);
  HttpResponse DisableTotp(const HttpRequest&, const Params&);
  HttpResponse UnlockUser(const HttpRequest&, const Params&);
  // role_handlers.cc
  HttpResponse ListRoles(const HttpRequest&, const Params&);
  HttpResponse CreateRole(const HttpRequest&, const Params&);
  HttpResponse GetRole(const HttpRequest&, const Params&);
  HttpResponse UpdateRole(const HttpRequest&, const Params&);
  HttpResponse DeleteRole(const HttpRequest&, const Params&);
  HttpResponse ListUsers(const HttpRequest&, const Params&);
  HttpResponse UpdateUser(const HttpRequest&, const Params&);
  // catalog_handlers.cc
  HttpResponse ListSessions(const HttpRequest&, const Params&);
  HttpResponse ListGroups(const HttpRequest&, const Params&);
  HttpResponse CreateGroup(const HttpRequest&, const Params&);
  HttpResponse GetGroup(const HttpRequest&, const Params&);
  HttpResponse UpdateGroup(const HttpRequest&, const Params&);
  HttpResponse DeleteGroup(const HttpRequest&, const Params&);
  HttpResponse GroupSubgroups(const HttpRequest&, const Params&);
  // session_handlers.cc
  HttpResponse CreateSession(const HttpRequest&, const Params&);
  HttpResponse GetSession(const HttpRequest&, const Params&);
  HttpResponse UpdateSession(const HttpRequest&, const Params&);
  HttpResponse DeleteSession(const HttpRequest&, const Params&);
  HttpResponse AddNote(const HttpRequest&, const Params&);
  HttpResponse EndSession(const HttpRequest&, const Params&);
  HttpResponse SessionEvents(const HttpRequest&, const Params&);
  HttpResponse ConnectWithoutUpgrade(const HttpRequest&, const Params&);
  HttpResponse IssueHostToken(const HttpRequest&, const Params&);
  HttpResponse SessionThumbnail(const HttpRequest&, const Params&);
  // guest_handlers.cc
  HttpResponse JoinAsGuest(const HttpRequest&, const Params&);
  HttpResponse GuestSigningKey(const HttpRequest&, const Params&);
  // settings_handlers.cc
  HttpResponse SecuritySettings(const HttpRequest&, const Params&);
  HttpResponse ChangeSecuritySettings(const HttpRequest&, const Params&);
  // The relay address signed agent configurations point at (HOST:PORT), or "" when it cannot
  // be told from this request.
  std::string RelayAddressFor(const HttpRequest& req) const;
  // access_handlers.cc
  HttpResponse BuildAccessInstaller(const HttpRequest&, const Params&);
  HttpResponse ListAccessInstallers(const HttpRequest&, const Params&);
  // token_handlers.cc
  HttpResponse ListTokens(const HttpRequest&, const Params&);
  HttpResponse CreateToken(const HttpRequest&, const Params&);
  HttpResponse RevokeToken(const HttpRequest&, const Params&);
  // service_handlers.cc
  HttpResponse Healthz(const HttpRequest&, const Params&);
  HttpResponse MetricsPage(const HttpRequest&, const Params&);
  HttpResponse OpenApi(const HttpRequest&, const Params&);
  HttpResponse UiPage(const HttpRequest&, const Params&);
  HttpResponse Asset(const HttpRequest&, const Params&);

  manager::SessionManager& manager_;
  Metrics& metrics_;
  const StaticFiles& ui_;
  WebAppOptions options_;
  std::function<HealthReport()> health_;
  std::vector<Route> routes_;
  manager::GuestJoin* guest_join_ = nullptr;
  manager::AccessAgents* access_ = nullptr;
  ThumbnailSource* thumbnails_ = nullptr;
  Metric& requests_;
  Metric& logins_ok_;
  Metric& logins_failed_;
  Metric& sessions_open_;
};

// The JSON error response for a domain error, with the HTTP status its code maps to.
HttpResponse ErrorResponse(const Error& e);
// The Set-Cookie value carrying a session id (or clearing it): __Host-, Secure, HttpOnly, SameSite=Strict.
std::string SessionCookie(const std::string& value, bool clear);

// Applies the headers every response carries (CSP, HSTS, nosniff, frame denial, ...).
void AddSecurityHeaders(HttpResponse& resp, bool hsts);

}  // namespace tether::web
