// REST handlers for access (unattended) agents: build an installer (a signed configuration with
// a single-use install token) and list the installers built so far.
#include <nlohmann/json.hpp>

#include "base/agent_config.h"
#include "server/manager/json_views.h"
#include "server/web/json_body.h"
#include "server/web/web_app.h"

namespace tether::web {
namespace {

using nlohmann::json;
constexpr size_t kMaxInstallerBody = 8 * 1024;

}  // namespace

HttpResponse WebApp::BuildAccessInstaller(const HttpRequest& req, const Params&) {
  if (!access_) return HttpResponse::NotFound();
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxInstallerBody, error);
  if (!body) return error;
  manager::InstallerRequest request;
  for (const auto& [key, value] : body->items()) {
    if (key == "name" && value.is_string()) {
      request.name = value.get<std::string>();
    } else if (key == "expires_in_hours" && value.is_number_integer()) {
      const int64_t hours = value.get<int64_t>();
      if (hours < 1 || hours > 24 * 90) {
        return HttpResponse::Error(400, "validation", "expires_in_hours must be from 1 to 2160 (90 days)");
      }
      request.lifetime_s = hours * 60 * 60;
    } else if (key == "properties" && value.is_object()) {
      for (const auto& [prop, v] : value.items()) {
        if (!v.is_string()) return HttpResponse::Error(400, "validation", "property values must be strings");
        request.properties[prop] = v.get<std::string>();
      }
    } else {
      return HttpResponse::Error(400, "validation",
                                 "an installer has name, properties and expires_in_hours ('" + key.substr(0, 32) +
                                     "' is not one of them, or has the wrong type)");
    }
  }
  const std::string relay = RelayAddressFor(req);
  if (relay.empty()) {
    return HttpResponse::Error(400, "validation",
                               "cannot tell the relay's address from this request; the administrator "
                               "sets relay.public_address");
  }
  auto file = access_->BuildInstaller(request, relay, ActorOf(*ctx, req));
  if (!file) return ErrorResponse(file.error());
  HttpResponse r;
  r.status = 201;
  r.body = file->body;
  r.Set("Content-Type", std::string(kAgentConfigMediaType));
  r.Set("Content-Disposition", "attachment; filename=\"" + file->filename + "\"");
  r.Set("X-Tether-Installer", file->installer.id);
  return r;
}

HttpResponse WebApp::ListAccessInstallers(const HttpRequest& req, const Params&) {
  if (!access_) return HttpResponse::NotFound();
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto list = access_->ListInstallers(ActorOf(*ctx, req));
  if (!list) return ErrorResponse(list.error());
  json out = json::array();
  for (const auto& a : *list) out.push_back(manager::AccessInstallerJson(a));
  return HttpResponse::Json(200, json{{"installers", out}}.dump());
}

}  // namespace tether::web
