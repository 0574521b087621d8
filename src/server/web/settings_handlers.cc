// The administration view of the security settings: every setting of [security],
// [security.sessions] and [security.consent] with the value in force, the file's value, the
// default and where it came from; an administrator changes them here (PATCH), validated like the
// configuration file. The IP restrictions ([security.ip]) are shown; the file is where they
// change (docs/security.md).
#include <nlohmann/json.hpp>

#include "server/web/json_body.h"
#include "server/web/web_app.h"

namespace tether::web {
namespace {

constexpr size_t kMaxSettingsBody = 16 * 1024;

nlohmann::json Rule(const net::IpRule& r) {
  return {{"allow", r.allow.Entries()}, {"block", r.block.Entries()}};
}

// Everything GET answers: the settings, and for older clients the limits and lists by area.
nlohmann::json SecuritySettingsJson(const manager::SecuritySettings& settings, const net::IpAreas& ip) {
  const auto v = settings.Get();
  return {{"settings", settings.Describe()},
          {"sessions", {{"host_idle_seconds", v.host_idle_s}, {"max_length_seconds", v.max_session_s},
                        {"support_expiry_seconds", v.support_expiry_s},
                        {"web_session_idle_seconds", v.web_idle_timeout_s},
                        {"web_session_max_seconds", v.web_absolute_timeout_s}}},
          {"ip", {{"trusted_proxies", ip.trusted_proxies.Entries()}, {"login", Rule(ip.login)},
                  {"host", Rule(ip.host)}, {"admin", Rule(ip.admin)}, {"api", Rule(ip.api)},
                  {"relay", Rule(ip.relay)}}}};
}

}  // namespace

HttpResponse WebApp::SecuritySettings(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::Permission::kAdminister); !st) {
    return ErrorResponse(st.error());
  }
  return HttpResponse::Json(200, SecuritySettingsJson(manager_.Security(), options_.ip).dump());
}

// {"settings": {"security.lockout_failures": 3, "security.two_factor": null, ...}}: null goes
// back to the configuration file's value. All or nothing.
HttpResponse WebApp::ChangeSecuritySettings(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  const manager::Actor actor = ActorOf(*ctx, req);
  if (auto st = manager_.Authorize(actor, manager::Permission::kAdminister); !st) return ErrorResponse(st.error());
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxSettingsBody, error);
  if (!body) return error;
  auto it = body->find("settings");
  if (it == body->end() || !it->is_object()) {
    return HttpResponse::Error(400, "validation", "settings must be an object of setting names and values");
  }
  auto changed = manager_.ChangeSecuritySettings(*it, actor);
  if (!changed) return ErrorResponse(changed.error());
  nlohmann::json out = SecuritySettingsJson(manager_.Security(), options_.ip);
  out["changed"] = nlohmann::json::array();
  for (const auto& c : *changed) {
    out["changed"].push_back({{"key", c.key}, {"old", nlohmann::json::parse(c.old_value)},
                              {"new", nlohmann::json::parse(c.new_value)}});
  }
  return HttpResponse::Json(200, out.dump());
}

}  // namespace tether::web
