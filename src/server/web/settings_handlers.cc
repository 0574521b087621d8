// The administration view of the security settings: every setting of [security],
// [security.sessions], [security.consent] and [security.ip] with the value in force, the file's
// value, the default and where it came from; an administrator changes them here (PATCH),
// validated like the configuration file. A change of the IP lists that would refuse the
// administrator making it is refused unless confirmed (docs/security.md, "IP restrictions").
#include <nlohmann/json.hpp>

#include "server/web/ip_areas.h"
#include "server/web/json_body.h"
#include "server/web/web_app.h"

namespace tether::web {
namespace {

// Eleven lists of up to 1000 entries fit.
constexpr size_t kMaxSettingsBody = 1024 * 1024;

nlohmann::json Rule(const net::IpRule& r) {
  return {{"allow", r.allow.Entries()}, {"block", r.block.Entries()}};
}

// Everything GET answers: the settings, and for older clients the limits and lists by area.
nlohmann::json SecuritySettingsJson(const manager::SecuritySettings& settings) {
  const auto v = settings.Get();
  const net::IpAreas& ip = *v.ip;
  return {{"settings", settings.Describe()},
          {"sessions", {{"host_idle_seconds", v.host_idle_s}, {"max_length_seconds", v.max_session_s},
                        {"support_expiry_seconds", v.support_expiry_s},
                        {"web_session_idle_seconds", v.web_idle_timeout_s},
                        {"web_session_max_seconds", v.web_absolute_timeout_s}}},
          {"ip", {{"trusted_proxies", ip.trusted_proxies.Entries()}, {"login", Rule(ip.login)},
                  {"host", Rule(ip.host)}, {"admin", Rule(ip.admin)}, {"api", Rule(ip.api)},
                  {"relay", Rule(ip.relay)}}}};
}

bool TouchesIpLists(const nlohmann::json& changes) {
  for (const auto& [key, value] : changes.items()) {
    if (key.starts_with("security.ip.")) return true;
  }
  return false;
}

// The guard: with the proposed lists and trusted proxies, would the request's own client be
// refused where an administrator needs to get in (this request's areas, login and host)?
Status WouldLockOut(const HttpRequest& req, const manager::SecurityValues& proposed) {
  const net::IpAreas& ip = *proposed.ip;
  const std::string address = ClientAddressWith(req, ip);
  std::vector<IpArea> areas = AreasOf(req, ip);
  areas.push_back({"login", &ip.login});
  areas.push_back({"host", &ip.host});
  for (const auto& area : areas) {
    if (area.rule->Permits(address)) continue;
    return Error{"would_lock_out", std::string("with this change, requests from your address ") + address +
                                       " would be refused in the " + area.name +
                                       " area; send confirm_lockout to save it anyway (`tether settings reset` "
                                       "on the server undoes it)"};
  }
  return {};
}

}  // namespace

HttpResponse WebApp::SecuritySettings(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::Permission::kAdminister); !st) {
    return ErrorResponse(st.error());
  }
  return HttpResponse::Json(200, SecuritySettingsJson(manager_.Security()).dump());
}

// {"settings": {"security.lockout_failures": 3, "security.two_factor": null, ...},
//  "confirm_lockout": false}: null goes back to the configuration file's value. All or nothing.
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
  bool confirmed = false;
  if (auto c = body->find("confirm_lockout"); c != body->end()) {
    if (!c->is_boolean()) return HttpResponse::Error(400, "validation", "confirm_lockout must be true or false");
    confirmed = c->get<bool>();
  }
  manager::SecuritySettings::Acceptor guard;
  if (!confirmed && TouchesIpLists(*it)) {
    guard = [&req](const manager::SecurityValues& proposed) { return WouldLockOut(req, proposed); };
  }
  auto changed = manager_.ChangeSecuritySettings(*it, actor, guard);
  if (!changed) return ErrorResponse(changed.error());
  nlohmann::json out = SecuritySettingsJson(manager_.Security());
  out["changed"] = nlohmann::json::array();
  for (const auto& c : *changed) {
    out["changed"].push_back({{"key", c.key}, {"old", nlohmann::json::parse(c.old_value)},
                              {"new", nlohmann::json::parse(c.new_value)}});
  }
  return HttpResponse::Json(200, out.dump());
}

}  // namespace tether::web
