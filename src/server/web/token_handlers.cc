// REST handlers for API tokens: list, create (the secret is in this one answer only) and
// revoke. Only a logged-in user reaches them; requests with a token are refused before (see
// WebApp::RequireTokenUser).
#include <nlohmann/json.hpp>

#include "server/manager/json_views.h"
#include "server/web/json_body.h"
#include "server/web/web_app.h"

namespace tether::web {
namespace {

using nlohmann::json;
constexpr size_t kMaxTokenBody = 8 * 1024;

}  // namespace

HttpResponse WebApp::ListTokens(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  // ?all=true: every user's (Administer); ?user=NAME: one user's; neither: the caller's own.
  const std::string all = req.QueryParam("all");
  if (!all.empty() && all != "true") return HttpResponse::Error(400, "validation", "all is true or absent");
  if (!all.empty() && !req.QueryParam("user").empty()) {
    return HttpResponse::Error(400, "validation", "give either all or user");
  }
  auto list = all.empty() ? manager_.Tokens().List(req.QueryParam("user"), ActorOf(*ctx, req))
                          : manager_.Tokens().ListAll(ActorOf(*ctx, req));
  if (!list) return ErrorResponse(list.error());
  json out = json::array();
  for (const auto& t : *list) out.push_back(manager::ApiTokenJson(t));
  const auto& options = manager_.Tokens().Options();
  json permissions = json::array();
  for (auto p : manager::kAllPermissions) permissions.push_back(manager::PermissionName(p));
  return HttpResponse::Json(200, json{{"tokens", out},
                                      {"permissions", permissions},
                                      {"max_days", options.max_lifetime_s / 86400}}
                                     .dump());
}

HttpResponse WebApp::CreateToken(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxTokenBody, error);
  if (!body) return error;
  manager::ApiTokenRequest request;
  std::string owner;
  bool has_expiry = false;
  for (const auto& [key, value] : body->items()) {
    if (key == "name" && value.is_string()) {
      request.name = value.get<std::string>();
    } else if (key == "user" && value.is_string()) {
      owner = value.get<std::string>();
    } else if (key == "scope" && value.is_array() && value.size() <= 64) {
      for (const auto& p : value) {
        if (!p.is_string()) return HttpResponse::Error(400, "validation", "scope lists permission names");
        request.scope.push_back(p.get<std::string>());
      }
    } else if (key == "expires_days" && value.is_number_integer()) {
      request.lifetime_s = std::clamp<int64_t>(value.get<int64_t>(), -1, 100000) * 86400;
      has_expiry = true;
    } else if (key == "expires_seconds" && value.is_number_integer()) {
      request.lifetime_s = std::clamp<int64_t>(value.get<int64_t>(), -1, int64_t{1} << 40);
      has_expiry = true;
    } else {
      return HttpResponse::Error(400, "validation",
                                 "a token has name, scope, expires_days (or expires_seconds) and user ('" +
                                     key.substr(0, 32) + "' is not one of them, or has the wrong type)");
    }
  }
  if (!has_expiry) return HttpResponse::Error(400, "validation", "expires_days is required");
  auto created = manager_.Tokens().Create(owner, request, ActorOf(*ctx, req));
  if (!created) return ErrorResponse(created.error());
  return HttpResponse::Json(
      201, json{{"token", manager::ApiTokenJson(created->token)}, {"secret", created->secret}}.dump());
}

HttpResponse WebApp::RevokeToken(const HttpRequest& req, const Params& params) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  if (auto st = manager_.Tokens().Revoke(params[0], ActorOf(*ctx, req)); !st) return ErrorResponse(st.error());
  return HttpResponse::NoContent();
}

}  // namespace tether::web
