// First-run setup, login, logout and the current user.
#include <nlohmann/json.hpp>

#include "server/manager/json_views.h"
#include "server/web/web_app.h"
#include "server/web/json_body.h"

namespace tether::web {
namespace {

using nlohmann::json;
constexpr size_t kMaxAuthBody = 16 * 1024;


int StatusFor(const Error& e) {
  if (e.code == "validation") return 400;
  if (e.code == "unauthenticated" || e.code == "invalid_credentials" || e.code == "otp_required" ||
      e.code == "invalid_otp") {
    return 401;
  }
  if (e.code == "csrf" || e.code == "forbidden" || e.code == "invalid_token" ||
      e.code == "password_change_required" || e.code == "two_factor_required") {
    return 403;
  }
  if (e.code == "not_found") return 404;
  if (e.code == "conflict" || e.code == "last_administrator" || e.code == "would_lock_out") return 409;
  if (e.code == "too_large") return 413;
  if (e.code == "rate_limited") return 429;
  return 500;
}

}  // namespace

std::string SessionCookie(const std::string& value, bool clear) {
  std::string c = std::string(kSessionCookie) + "=" + value + "; Path=/; Secure; HttpOnly; SameSite=Strict";
  if (clear) c += "; Max-Age=0";
  return c;
}

HttpResponse ErrorResponse(const Error& e) {
  return HttpResponse::Error(StatusFor(e), e.code, e.message);
}

HttpResponse WebApp::SetupPage(const HttpRequest& req, const Params&) {
  HttpResponse page = UiPage(req, {});
  if (manager_.SetupRequired()) return page;
  // Setup is gone: 404, with the UI so a browser shows "Setup is already complete" rather
  // than raw JSON. The page carries no setup capability; the API refuses regardless.
  if (page.status != 200) return HttpResponse::NotFound();
  page.status = 404;
  return page;
}

HttpResponse WebApp::Setup(const HttpRequest& req, const Params&) {
  // Checked first: after setup nothing about the request matters.
  if (!manager_.SetupRequired()) return HttpResponse::NotFound();
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxAuthBody, error);
  if (!body) return error;
  auto user = manager_.CompleteSetup(StringField(*body, "token"), StringField(*body, "username"),
                                     StringField(*body, "password"),
                                     manager::Actor{"setup", req.remote_addr});
  if (!user) return ErrorResponse(user.error());
  return HttpResponse::Json(201, json{{"user", manager::UserJson(*user)}}.dump());
}

HttpResponse WebApp::Login(const HttpRequest& req, const Params&) {
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxAuthBody, error);
  if (!body) return error;
  // Rotate: whatever session the browser had is ended before a new one is issued.
  if (std::string old = SessionCookieValue(req); !old.empty()) manager_.Logout(old, req.remote_addr);
  auto result = manager_.Login(StringField(*body, "username"), StringField(*body, "password"),
                               req.remote_addr, req.Header("user-agent"), StringField(*body, "otp"));
  if (!result) {
    logins_failed_.Add();
    return ErrorResponse(result.error());
  }
  logins_ok_.Add();
  json user = manager::UserJson(result->user);
  user["two_factor_required"] = manager_.TwoFactorRequired(result->user);
  auto resp = HttpResponse::Json(200, json{{"user", user}, {"csrf_token", result->csrf_token}}.dump());
  resp.Set("Set-Cookie", SessionCookie(result->session_token, false));
  return resp;
}

HttpResponse WebApp::Logout(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  manager_.Logout(SessionCookieValue(req), req.remote_addr);
  auto resp = HttpResponse::NoContent();
  resp.Set("Set-Cookie", SessionCookie("", true));
  return resp;
}

HttpResponse WebApp::Me(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  json user = manager::UserJson(ctx->user);
  user["two_factor_required"] = manager_.TwoFactorRequired(ctx->user);
  // Whether the caller's role (and token scope) allows Administer: the pages offer administration
  // by it; the server checks each call anyway.
  const manager::Actor actor = ActorOf(*ctx, req);
  user["administer"] = manager_.Authorize(actor, manager::Permission::kAdminister).ok();
  // Every permission granted somewhere (a group-scoped one: for at least one group), so the
  // pages offer only what the role allows; names as in roles (PermissionName).
  json permissions = json::array();
  for (manager::Permission p : manager::kAllPermissions) {
    if (manager_.Authorize(actor, p).ok()) permissions.push_back(manager::PermissionName(p));
  }
  user["permissions"] = std::move(permissions);
  return HttpResponse::Json(200, json{{"user", user}, {"csrf_token", ctx->session.csrf_token}}.dump());
}

HttpResponse WebApp::ChangePassword(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxAuthBody, error);
  if (!body) return error;
  auto result = manager_.ChangeOwnPassword(*ctx, StringField(*body, "current_password"),
                                           StringField(*body, "new_password"), req.remote_addr,
                                           req.Header("user-agent"));
  if (!result) return ErrorResponse(result.error());
  auto resp = HttpResponse::Json(
      200, json{{"user", manager::UserJson(result->user)}, {"csrf_token", result->csrf_token}}.dump());
  resp.Set("Set-Cookie", SessionCookie(result->session_token, false));
  return resp;
}

}  // namespace tether::web
