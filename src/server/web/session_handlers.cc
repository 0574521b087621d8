// REST handlers for one session: create, get, edit, delete, end, notes, events, host token.
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "server/manager/json_views.h"
#include "server/manager/roles.h"
#include "server/web/web_app.h"
#include "server/web/json_body.h"

namespace tether::web {

namespace {
using nlohmann::json;
constexpr size_t kMaxSessionBody = 64 * 1024;


// A decimal number of at most 18 digits within [min, max], or nullopt.
std::optional<int64_t> BoundedNumber(const std::string& text, int64_t min, int64_t max) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  int64_t v = std::stoll(text);
  if (v < min || v > max) return std::nullopt;
  return v;
}

}  // namespace

HttpResponse WebApp::CreateSession(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  HttpResponse error;
  auto parsed = ParseObjectBody(req, kMaxSessionBody, error);
  if (!parsed) return error;
  const json& body = *parsed;
  auto str = [&](const char* k) { return StringField(body, k); };
  auto type = manager::ParseSessionType(str("type").empty() ? "support" : str("type"));
  if (!type) return HttpResponse::Error(400, "validation", "type must be support, meeting or access");
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::CreatePermissionFor(*type)); !st) {
    return ErrorResponse(st.error());
  }
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
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::Permission::kViewSession, &*s); !st) {
    return ErrorResponse(st.error());
  }
  return HttpResponse::Json(200, json{{"session", manager::SessionJson(*s)}}.dump());
}

HttpResponse WebApp::EndSession(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto session = manager_.GetSession(p[0]);
  if (!session) return HttpResponse::NotFound();
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::Permission::kEndSession, &*session); !st) {
    return ErrorResponse(st.error());
  }
  auto st = manager_.EndSession(p[0], ActorOf(*ctx, req));
  if (!st) return ErrorResponse(st.error());
  return HttpResponse::NoContent();
}

HttpResponse WebApp::UpdateSession(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxSessionBody, error);
  if (!body) return error;
  manager::SessionPatch patch;
  for (const auto& [key, value] : body->items()) {
    if (key == "name") {
      if (!value.is_string()) return HttpResponse::Error(400, "validation", "name must be a string");
      patch.name = value.get<std::string>();
    } else if (key == "properties") {
      if (!value.is_object()) return HttpResponse::Error(400, "validation", "properties must be an object");
      for (const auto& [prop, v] : value.items()) {
        if (!v.is_string()) {
          return HttpResponse::Error(400, "validation", "property values must be strings (\"\" clears one)");
        }
        patch.properties[prop] = v.get<std::string>();
      }
    } else {
      return HttpResponse::Error(400, "validation", "unknown field; a session has name and properties");
    }
  }
  auto s = manager_.UpdateSession(p[0], patch, ActorOf(*ctx, req));
  if (!s) return ErrorResponse(s.error());
  return HttpResponse::Json(200, json{{"session", manager::SessionJson(*s)}}.dump());
}

HttpResponse WebApp::DeleteSession(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto st = manager_.DeleteSession(p[0], ActorOf(*ctx, req));
  if (!st) return ErrorResponse(st.error());
  return HttpResponse::NoContent();
}

HttpResponse WebApp::AddNote(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  HttpResponse error;
  auto body = ParseObjectBody(req, kMaxSessionBody, error);
  if (!body) return error;
  auto text = body->find("text");
  if (text == body->end() || !text->is_string()) {
    return HttpResponse::Error(400, "validation", "text must be a string");
  }
  auto e = manager_.AddNote(p[0], text->get<std::string>(), ActorOf(*ctx, req));
  if (!e) return ErrorResponse(e.error());
  return HttpResponse::Json(201, json{{"event", manager::EventJson(*e)}}.dump());
}

HttpResponse WebApp::SessionEvents(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  int64_t after = 0, limit = 1000;
  if (std::string a = req.QueryParam("after"); !a.empty()) {
    auto v = BoundedNumber(a, 0, INT64_MAX / 2);
    if (!v) return HttpResponse::Error(400, "validation", "after must be an event id");
    after = *v;
  }
  if (std::string l = req.QueryParam("limit"); !l.empty()) {
    auto v = BoundedNumber(l, 1, 1000);
    if (!v) return HttpResponse::Error(400, "validation", "limit must be a number from 1 to 1000");
    limit = *v;
  }
  // One more than asked tells whether there are more.
  auto events = manager_.ListEvents(p[0], after, static_cast<int>(limit) + 1, ActorOf(*ctx, req));
  if (!events) return ErrorResponse(events.error());
  const bool more = events->size() > static_cast<size_t>(limit);
  if (more) events->pop_back();
  json out = json::array();
  for (const auto& e : *events) out.push_back(manager::EventJson(e));
  return HttpResponse::Json(200, json{{"events", out}, {"more", more}}.dump());
}

}  // namespace tether::web

namespace tether::web {

HttpResponse WebApp::IssueHostToken(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto session = manager_.GetSession(p[0]);
  if (!session) return HttpResponse::NotFound();
  if (auto st = manager_.Authorize(ActorOf(*ctx, req), manager::Permission::kJoinSession, &*session); !st) {
    return ErrorResponse(st.error());
  }
  auto t = manager_.IssueHostToken(p[0], *ctx);
  if (!t) return ErrorResponse(t.error());
  return HttpResponse::Json(201, nlohmann::json{{"token", t->token}, {"expires_at", t->expires_at}}.dump());
}

}  // namespace tether::web

namespace tether::web {

// The latest thumbnail of the guest's screen. A session the user may not see is "not found",
// like one that does not exist; there is none before the guest's consent in support and
// meeting sessions (the relay keeps none).
HttpResponse WebApp::SessionThumbnail(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto session = manager_.GetSession(p[0]);
  if (!session) return HttpResponse::NotFound();
  const manager::Actor actor = ActorOf(*ctx, req);
  if (!manager_.Authorize(actor, manager::Permission::kViewSession, &*session)) return HttpResponse::NotFound();
  if (auto st = manager_.Authorize(actor, manager::Permission::kViewSessionGuestScreenshot, &*session); !st) {
    return ErrorResponse(st.error());
  }
  auto thumbnail = thumbnails_ && session->ended_at == 0 ? thumbnails_->LatestThumbnail(session->id) : std::nullopt;
  if (!thumbnail || !thumbnail->jpeg) {
    return HttpResponse::Error(404, "not_found", "no thumbnail of the guest's screen is available");
  }
  HttpResponse r;
  r.status = 200;
  r.body = *thumbnail->jpeg;
  r.Set("Content-Type", "image/jpeg");
  r.Set("Cache-Control", "no-store");
  r.Set("X-Thumbnail-Captured-At", std::to_string(thumbnail->captured_at));
  return r;
}

}  // namespace tether::web
