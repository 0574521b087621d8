// REST handlers for sessions: list, create, get, end, events.
#include <nlohmann/json.hpp>

#include "server/manager/json_views.h"
#include "server/web/web_app.h"

namespace tether::web {

namespace {
using nlohmann::json;
constexpr size_t kMaxSessionBody = 64 * 1024;
}  // namespace

HttpResponse WebApp::ListSessions(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  manager::SessionQuery q;
  if (std::string type = req.QueryParam("type"); !type.empty()) {
    q.type = manager::ParseSessionType(type);
    if (!q.type) return HttpResponse::Error(400, "validation", "type must be support, meeting or access");
  }
  q.include_ended = req.QueryParam("ended") == "true";
  if (std::string limit = req.QueryParam("limit"); !limit.empty()) {
    if (limit.size() > 4 || limit.find_first_not_of("0123456789") != std::string::npos) {
      return HttpResponse::Error(400, "validation", "limit must be a number from 1 to 1000");
    }
    q.limit = std::stoi(limit);
    if (q.limit < 1 || q.limit > 1000) {
      return HttpResponse::Error(400, "validation", "limit must be a number from 1 to 1000");
    }
  }
  json sessions = json::array();
  for (const auto& s : manager_.ListSessions(q)) sessions.push_back(manager::SessionJson(s));
  return HttpResponse::Json(200, json{{"sessions", sessions}}.dump());
}

HttpResponse WebApp::CreateSession(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  if (req.body.size() > kMaxSessionBody) return HttpResponse::Error(413, "too_large", "request body too large");
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) return HttpResponse::Error(400, "validation", "body must be a JSON object");
  auto str = [&](const char* k) {
    auto it = body.find(k);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto type = manager::ParseSessionType(str("type").empty() ? "support" : str("type"));
  if (!type) return HttpResponse::Error(400, "validation", "type must be support, meeting or access");
  auto s = manager_.CreateSession(*type, str("name"), str("code"), ActorOf(*ctx, req));
  if (!s) return ErrorResponse(s.error());
  auto resp = HttpResponse::Json(201, json{{"session", manager::SessionJson(*s)}}.dump());
  resp.Set("Location", "/api/v1/sessions/" + s->id);
  return resp;
}

HttpResponse WebApp::GetSession(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto s = manager_.GetSession(p[0]);
  if (!s) return HttpResponse::NotFound();
  return HttpResponse::Json(200, json{{"session", manager::SessionJson(*s)}}.dump());
}

HttpResponse WebApp::EndSession(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto st = manager_.EndSession(p[0], ActorOf(*ctx, req));
  if (!st) return ErrorResponse(st.error());
  return HttpResponse::NoContent();
}

HttpResponse WebApp::SessionEvents(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  if (!manager_.GetSession(p[0])) return HttpResponse::NotFound();
  json events = json::array();
  for (const auto& e : manager_.Events(p[0])) events.push_back(manager::EventJson(e));
  return HttpResponse::Json(200, json{{"events", events}}.dump());
}

}  // namespace tether::web

namespace tether::web {

HttpResponse WebApp::IssueHostToken(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto t = manager_.IssueHostToken(p[0], ctx->user);
  if (!t) return ErrorResponse(t.error());
  return HttpResponse::Json(201, nlohmann::json{{"token", t->token}, {"expires_at", t->expires_at}}.dump());
}

}  // namespace tether::web
