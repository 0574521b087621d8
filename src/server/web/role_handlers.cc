// REST handlers for roles (/api/v1/roles) and for users' roles (/api/v1/users): administrators
// only (Administer). The rules — Deny wins, global permissions cannot be scoped, some enabled
// user keeps Administer — are the Session Manager's (role_admin.h).
#include <charconv>

#include <nlohmann/json.hpp>

#include "server/manager/json_views.h"
#include "server/web/json_body.h"
#include "server/web/web_app.h"

namespace tether::web {
namespace {

using nlohmann::json;
constexpr size_t kMaxRoleBody = 64 * 1024;

std::optional<int64_t> RoleId(const std::string& segment) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), v);
  if (ec != std::errc() || end != segment.data() + segment.size() || v < 1) return std::nullopt;
  return v;
}

// A role body: only known fields, each of the right type.
std::optional<manager::RoleSpec> RoleSpecOf(const HttpRequest& req, HttpResponse& error) {
  auto parsed = ParseObjectBody(req, kMaxRoleBody, error);
  if (!parsed) return std::nullopt;
  manager::RoleSpec spec;
  for (const auto& [key, value] : parsed->items()) {
    if (key == "name" || key == "description") {
      if (!value.is_string()) return error = HttpResponse::Error(400, "validation", key + " must be a string"), std::nullopt;
      (key == "name" ? spec.name : spec.description) = value.get<std::string>();
    } else if (key == "entries") {
      auto entries = manager::RoleEntriesFromJson(value);
      if (!entries) return error = ErrorResponse(entries.error()), std::nullopt;
      spec.entries = std::move(*entries);
    } else {
      return error = HttpResponse::Error(400, "validation", "unknown field '" + key.substr(0, 64) + "'"), std::nullopt;
    }
  }
  return spec;
}

json PermissionsJson() {
  json out = json::array();
  for (auto p : manager::kAllPermissions) {
    out.push_back({{"name", manager::PermissionName(p)}, {"global", manager::IsGlobalPermission(p)}});
  }
  return out;
}

}  // namespace

HttpResponse WebApp::ListRoles(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto roles = manager_.Roles().List(ActorOf(*ctx, req));
  if (!roles) return ErrorResponse(roles.error());
  json out = json::array();
  for (const auto& r : *roles) out.push_back(manager::RoleJson(r));
  return HttpResponse::Json(200, json{{"roles", out}, {"permissions", PermissionsJson()}}.dump());
}

HttpResponse WebApp::CreateRole(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::Permission::kAdminister); !st) return ErrorResponse(st.error());
  HttpResponse error;
  auto spec = RoleSpecOf(req, error);
  if (!spec) return error;
  auto r = manager_.Roles().Create(*spec, ActorOf(*ctx, req));
  if (!r) return ErrorResponse(r.error());
  auto resp = HttpResponse::Json(201, json{{"role", manager::RoleJson(*r)}}.dump());
  resp.Set("Location", "/api/v1/roles/" + std::to_string(r->id));
  return resp;
}

HttpResponse WebApp::GetRole(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto id = RoleId(p[0]);
  if (!id) return HttpResponse::NotFound();
  auto r = manager_.Roles().Get(*id, ActorOf(*ctx, req));
  if (!r) return ErrorResponse(r.error());
  return HttpResponse::Json(200, json{{"role", manager::RoleJson(*r)}}.dump());
}

HttpResponse WebApp::UpdateRole(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::Permission::kAdminister); !st) return ErrorResponse(st.error());
  auto id = RoleId(p[0]);
  if (!id) return HttpResponse::NotFound();
  HttpResponse error;
  auto spec = RoleSpecOf(req, error);
  if (!spec) return error;
  auto r = manager_.Roles().Update(*id, *spec, ActorOf(*ctx, req));
  if (!r) return ErrorResponse(r.error());
  return HttpResponse::Json(200, json{{"role", manager::RoleJson(*r)}}.dump());
}

HttpResponse WebApp::DeleteRole(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto id = RoleId(p[0]);
  if (!id) return HttpResponse::NotFound();
  if (auto st = manager_.Roles().Delete(*id, ActorOf(*ctx, req)); !st) return ErrorResponse(st.error());
  return HttpResponse::NoContent();
}

HttpResponse WebApp::ListUsers(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::Permission::kAdminister); !st) return ErrorResponse(st.error());
  json out = json::array();
  for (const auto& u : manager_.ListUsers()) out.push_back(manager::UserJson(u));
  return HttpResponse::Json(200, json{{"users", out}}.dump());
}

HttpResponse WebApp::UpdateUser(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  const auto actor = ActorOf(*ctx, req);
  if (auto st = manager_.Authorize(actor, manager::Permission::kAdminister); !st) return ErrorResponse(st.error());
  HttpResponse error;
  auto body = ParseObjectBody(req, 4 * 1024, error);
  if (!body) return error;
  for (const auto& [key, value] : body->items()) {
    if (key != "role" || !value.is_string()) return HttpResponse::Error(400, "validation", "the body is {\"role\": NAME}");
  }
  if (!body->contains("role")) return HttpResponse::Error(400, "validation", "the body is {\"role\": NAME}");
  if (auto st = manager_.SetUserRole(p[0], (*body)["role"].get<std::string>(), actor); !st) return ErrorResponse(st.error());
  for (const auto& u : manager_.ListUsers()) {
    if (u.username == p[0] || manager::AsciiLower(u.username) == manager::AsciiLower(p[0])) {
      return HttpResponse::Json(200, json{{"user", manager::UserJson(u)}}.dump());
    }
  }
  return HttpResponse::NotFound();
}

}  // namespace tether::web
