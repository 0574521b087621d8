// The administration view of the security settings in force: forced-disconnect limits and
// session lifetimes ([security], [security.sessions]) and the IP restrictions ([security.ip]).
// Read-only: the configuration file is where they change (docs/operations.md).
#include <nlohmann/json.hpp>

#include "server/web/web_app.h"

namespace tether::web {
namespace {

nlohmann::json Rule(const net::IpRule& r) {
  return {{"allow", r.allow.Entries()}, {"block", r.block.Entries()}};
}

}  // namespace

HttpResponse WebApp::SecuritySettings(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::Permission::kAdminister); !st) {
    return ErrorResponse(st.error());
  }
  const auto& l = options_.limits;
  const auto& ip = options_.ip;
  nlohmann::json body{
      {"sessions", {{"host_idle_seconds", l.host_idle}, {"max_length_seconds", l.max_session},
                    {"support_expiry_seconds", l.support_expiry}, {"web_session_idle_seconds", l.web_idle},
                    {"web_session_max_seconds", l.web_absolute}}},
      {"ip", {{"trusted_proxies", ip.trusted_proxies.Entries()},
              {"login", Rule(ip.login)}, {"host", Rule(ip.host)}, {"admin", Rule(ip.admin)},
              {"api", Rule(ip.api)}, {"relay", Rule(ip.relay)}}}};
  return HttpResponse::Json(200, body.dump());
}

}  // namespace tether::web
