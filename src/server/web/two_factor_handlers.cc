// Two-factor authentication for the logged-in user: enrolment (secret, otpauth URI and a QR
// code rendered here), confirmation with a first code (answers the recovery codes once and
// a new session id), and
// turning it off with the password. Also an administrator's unlock of a locked account.
#include <nlohmann/json.hpp>

#include "server/web/json_body.h"
#include "server/web/qr_svg.h"
#include "server/web/web_app.h"

namespace tether::web {
namespace {

using nlohmann::json;
constexpr size_t kMaxTwoFactorBody = 4 * 1024;

}  // namespace

HttpResponse WebApp::BeginTotp(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto enrolment = manager_.BeginTotpEnrolment(*ctx, req.remote_addr);
  if (!enrolment) return ErrorResponse(enrolment.error());
  auto svg = QrSvg(enrolment->uri);
  if (!svg) return ErrorResponse(MakeError("internal", "cannot render the QR code"));
  return HttpResponse::Json(200, json{{"secret", enrolment->secret_base32},
                                      {"uri", enrolment->uri},
                                      {"qr_svg", *svg}}.dump());
}

HttpResponse WebApp::ConfirmTotp(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxTwoFactorBody, error);
  if (!body) return error;
  auto done = manager_.ConfirmTotp(*ctx, StringField(*body, "code"), req.remote_addr, req.Header("user-agent"));
  if (!done) return ErrorResponse(done.error());
  auto resp = HttpResponse::Json(
      200, json{{"recovery_codes", done->recovery_codes}, {"csrf_token", done->session.csrf_token}}.dump());
  resp.Set("Set-Cookie", SessionCookie(done->session.session_token, false));
  return resp;
}

HttpResponse WebApp::DisableTotp(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxTwoFactorBody, error);
  if (!body) return error;
  if (auto st = manager_.DisableTotp(*ctx, StringField(*body, "password"), req.remote_addr); !st) {
    return ErrorResponse(st.error());
  }
  return HttpResponse::NoContent();
}

HttpResponse WebApp::UnlockUser(const HttpRequest& req, const Params& params) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  const auto actor = ActorOf(*ctx, req);
  if (auto st = manager_.Authorize(actor, manager::Permission::kAdminister); !st) return ErrorResponse(st.error());
  if (auto st = manager_.UnlockAccount(params[0], actor); !st) return ErrorResponse(st.error());
  return HttpResponse::NoContent();
}

}  // namespace tether::web
