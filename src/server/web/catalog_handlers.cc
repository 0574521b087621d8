// REST handlers for finding sessions: the paged session list, session groups and sub-groups.
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "server/manager/json_views.h"
#include "server/web/web_app.h"
#include "server/web/json_body.h"

namespace tether::web {
namespace {

using nlohmann::json;
constexpr size_t kMaxGroupBody = 16 * 1024;

// A decimal number of 1-18 digits within [min, max].
std::optional<int64_t> Number(const std::string& text, int64_t min, int64_t max) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int64_t v = std::stoll(text);
  if (v < min || v > max) return std::nullopt;
  return v;
}

HttpResponse Invalid(const std::string& message) { return HttpResponse::Error(400, "validation", message); }

// A filter error names the parameter and where in it the problem is.
HttpResponse FilterErrorResponse(const Error& e, const manager::FilterSyntaxError& where,
                                 const char* parameter) {
  if (where.message.empty()) return ErrorResponse(e);
  return HttpResponse::Json(400, json{{"error", "validation"}, {"message", e.message},
                                      {"parameter", parameter}, {"position", where.position}}.dump());
}

// The query parameters shared by the list and the sub-groups; nullopt with the error response.
std::optional<manager::SessionListRequest> ListRequest(const HttpRequest& req, HttpResponse& error) {
  manager::SessionListRequest r;
  if (std::string type = req.QueryParam("type"); !type.empty()) {
    r.type = manager::ParseSessionType(type);
    if (!r.type) return error = Invalid("type must be support, meeting or access"), std::nullopt;
  }
  if (std::string ended = req.QueryParam("ended"); !ended.empty()) {
    if (ended != "true" && ended != "false") return error = Invalid("ended must be true or false"), std::nullopt;
    r.include_ended = ended == "true";
  }
  if (std::string limit = req.QueryParam("limit"); !limit.empty()) {
    auto v = Number(limit, 1, 1000);
    if (!v) return error = Invalid("limit must be a number from 1 to 1000"), std::nullopt;
    r.limit = static_cast<int>(*v);
  }
  if (std::string group = req.QueryParam("group"); !group.empty()) {
    auto v = Number(group, 1, INT64_MAX / 2);
    if (!v) return error = Invalid("group must be a session group id"), std::nullopt;
    r.group_id = *v;
  }
  r.subgroup = req.FindQueryParam("subgroup");
  r.filter = req.QueryParam("filter");
  r.q = req.QueryParam("q");
  r.cursor = req.QueryParam("cursor");
  return r;
}

std::optional<int64_t> GroupId(const std::string& segment) { return Number(segment, 1, INT64_MAX / 2); }

// A group body: only known fields, each of the right type.
std::optional<manager::SessionGroupSpec> GroupSpec(const HttpRequest& req, HttpResponse& error) {
  auto parsed = ParseObjectBody(req, kMaxGroupBody, error);
  if (!parsed) return std::nullopt;
  const json& body = *parsed;
  manager::SessionGroupSpec spec;
  for (const auto& [key, value] : body.items()) {
    std::optional<std::string>* text = key == "name"           ? &spec.name
                                       : key == "filter"       ? &spec.filter
                                       : key == "subgroup_by"  ? &spec.subgroup_by
                                       : key == "session_type" ? &spec.session_type
                                                               : nullptr;
    if (text) {
      if (!value.is_string()) return error = Invalid(key + " must be a string"), std::nullopt;
      *text = value.get<std::string>();
    } else if (key == "position") {
      if (!value.is_number_integer()) return error = Invalid("position must be an integer"), std::nullopt;
      spec.position = value.get<int64_t>();
    } else {
      return error = Invalid("unknown field; a group has name, filter, subgroup_by, session_type and position"),
             std::nullopt;
    }
  }
  return spec;
}

}  // namespace

HttpResponse WebApp::ListSessions(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  HttpResponse error;
  auto request = ListRequest(req, error);
  if (!request) return error;
  manager::FilterSyntaxError where;
  auto page = manager_.Catalog().ListSessions(*request, ActorOf(*ctx, req), &where);
  if (!page) return FilterErrorResponse(page.error(), where, "filter");
  json sessions = json::array();
  for (const auto& s : page->sessions) sessions.push_back(manager::SessionJson(s));
  json next = page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor);
  return HttpResponse::Json(200, json{{"sessions", sessions}, {"next_cursor", next}}.dump());
}

HttpResponse WebApp::ListGroups(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  std::optional<manager::SessionType> type;
  if (std::string t = req.QueryParam("type"); !t.empty()) {
    type = manager::ParseSessionType(t);
    if (!type) return Invalid("type must be support, meeting or access");
  }
  auto groups = manager_.Catalog().ListGroups(type, ActorOf(*ctx, req));
  if (!groups) return ErrorResponse(groups.error());
  json out = json::array();
  for (const auto& g : *groups) out.push_back(manager::GroupJson(g));
  return HttpResponse::Json(200, json{{"groups", out}}.dump());
}

HttpResponse WebApp::CreateGroup(const HttpRequest& req, const Params&) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  HttpResponse error;
  auto spec = GroupSpec(req, error);
  if (!spec) return error;
  manager::FilterSyntaxError where;
  auto g = manager_.Catalog().CreateGroup(*spec, ActorOf(*ctx, req), &where);
  if (!g) return FilterErrorResponse(g.error(), where, "filter");
  auto resp = HttpResponse::Json(201, json{{"group", manager::GroupJson(*g)}}.dump());
  resp.Set("Location", "/api/v1/session-groups/" + std::to_string(g->id));
  return resp;
}

HttpResponse WebApp::GetGroup(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto id = GroupId(p[0]);
  if (!id) return HttpResponse::NotFound();
  auto g = manager_.Catalog().GetGroup(*id, ActorOf(*ctx, req));
  if (!g) return ErrorResponse(g.error());
  return HttpResponse::Json(200, json{{"group", manager::GroupJson(*g)}}.dump());
}

HttpResponse WebApp::UpdateGroup(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto id = GroupId(p[0]);
  if (!id) return HttpResponse::NotFound();
  HttpResponse error;
  auto spec = GroupSpec(req, error);
  if (!spec) return error;
  manager::FilterSyntaxError where;
  auto g = manager_.Catalog().UpdateGroup(*id, *spec, ActorOf(*ctx, req), &where);
  if (!g) return FilterErrorResponse(g.error(), where, "filter");
  return HttpResponse::Json(200, json{{"group", manager::GroupJson(*g)}}.dump());
}

HttpResponse WebApp::DeleteGroup(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto id = GroupId(p[0]);
  if (!id) return HttpResponse::NotFound();
  auto st = manager_.Catalog().DeleteGroup(*id, ActorOf(*ctx, req));
  if (!st) return ErrorResponse(st.error());
  return HttpResponse::NoContent();
}

HttpResponse WebApp::GroupSubgroups(const HttpRequest& req, const Params& p) {
  auto ctx = RequireUser(req);
  if (!ctx) return ErrorResponse(ctx.error());
  auto id = GroupId(p[0]);
  if (!id) return HttpResponse::NotFound();
  HttpResponse error;
  auto request = ListRequest(req, error);
  if (!request) return error;
  manager::FilterSyntaxError where;
  auto list = manager_.Catalog().ListSubgroups(*id, *request, ActorOf(*ctx, req), &where);
  if (!list) return FilterErrorResponse(list.error(), where, "filter");
  json values = json::array();
  for (const auto& v : list->values) values.push_back({{"value", v.value}, {"count", v.count}});
  return HttpResponse::Json(
      200, json{{"field", list->field}, {"subgroups", values}, {"truncated", list->truncated}}.dump());
}

}  // namespace tether::web
