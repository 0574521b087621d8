// The OpenAPI description of the session model's editing endpoints, the paged and filtered
// session list, and session groups (docs/api.md, docs/control-panel.md).
#include <nlohmann/json.hpp>

#include "server/web/openapi.h"
#include "server/web/openapi_schema.h"

namespace tether::web {

using nlohmann::json;
using namespace openapi;  // NOLINT: the document builders

void AddSessionCatalogPaths(json& doc) {
  const json str = {{"type", "string"}};
  const json integer = {{"type", "integer"}};
  const json boolean = {{"type", "boolean"}};
  const json cookie = json::array({{{"cookie", json::array()}}});
  const json csrf = json::array({{{"cookie", json::array()}, {"csrf", json::array()}}});
  const json session_id = json::array({Path("id", str)});
  const json group_id = json::array({Path("id", integer)});
  auto& schemas = doc["components"]["schemas"];

  const json properties = Object({{"company", str}, {"site", str}, {"department", str}, {"tag", str}});
  schemas["SessionProperties"] = properties;
  schemas["SessionProperties"]["description"] = "Custom properties; absent ones are empty. At most 128 bytes each.";
  schemas["GuestInfo"] = Object({{"machine", str}, {"os", str}, {"user", str}, {"address", str},
                                 {"agent_version", str}, {"online", boolean},
                                 {"last_seen", {{"type", "integer"}, {"description", "Unix seconds; 0 = never"}}}});
  schemas["Session"]["properties"]["properties"] = Ref("SessionProperties");
  schemas["Session"]["properties"]["guest"] = Ref("GuestInfo");
  schemas["SessionGroup"] = Object({{"id", integer}, {"name", str},
                                    {"filter", {{"type", "string"}, {"description", "filter language (docs/control-panel.md)"}}},
                                    {"subgroup_by", str},
                                    {"session_type", {{"enum", {"", "support", "meeting", "access"}}}},
                                    {"position", integer}, {"created_by", str}, {"created_at", integer},
                                    {"updated_at", integer}});
  schemas["SessionGroupInput"] = Object({{"name", str}, {"filter", str}, {"subgroup_by", str},
                                         {"session_type", str}, {"position", integer}});
  schemas["FilterError"] = {
      {"type", "object"},
      {"description", "400 for a filter that does not parse: where (1-based character position) and what"},
      {"required", {"error", "message", "parameter", "position"}},
      {"properties", {{"error", {{"const", "validation"}}}, {"message", str}, {"parameter", str}, {"position", integer}}}};
  const json filter_error = {{"description", "bad filter or parameter"},
                             {"content", {{"application/json", {{"schema", {{"oneOf", {Ref("FilterError"), Ref("Error")}}}}}}}}};

  auto& paths = doc["paths"];
  const json list_params = json::array({
      Query("type", {{"enum", {"support", "meeting", "access"}}}, "only sessions of this type"),
      Query("ended", boolean, "true: include ended sessions (open ones only otherwise)"),
      Query("group", integer, "a session group whose filter applies"),
      Query("subgroup", str, "a value of the group's sub-group field; present and empty = the field is empty"),
      Query("filter", str, "a filter expression (docs/control-panel.md), at most 2048 bytes"),
      Query("q", str, "search: name, code, company, machine or user contains it (ignoring case); at most 128 bytes"),
      Query("limit", integer, "1-1000, default 100"),
      Query("cursor", str, "next_cursor of the previous page"),
  });
  paths["/sessions"]["get"] = {
      {"summary", "One page of sessions, newest first (keyset paging)"},
      {"security", cookie},
      {"parameters", list_params},
      {"responses", Errors(Ok("200", Object({{"sessions", {{"type", "array"}, {"items", Ref("Session")}}},
                                              {"next_cursor", {{"type", {"string", "null"}}}}})),
                           {"401", "403", "404"})}};
  paths["/sessions"]["get"]["responses"]["400"] = filter_error;

  paths["/sessions/{id}"]["patch"] = {
      {"summary", "Rename and/or set custom properties (\"\" clears one); records an 'edited' event"},
      {"security", csrf}, {"parameters", session_id},
      {"requestBody", JsonBody(Object({{"name", str}, {"properties", Ref("SessionProperties")}}))},
      {"responses", Errors(Ok("200", Object({{"session", Ref("Session")}})), {"400", "401", "403", "404", "413"})}};
  paths["/sessions/{id}"]["delete"] = {
      {"summary", "Delete the session and its events (ends its connections first); audited"},
      {"security", csrf}, {"parameters", session_id},
      {"responses", Errors(Ok("204", nullptr), {"401", "403", "404"})}};
  paths["/sessions/{id}/notes"]["post"] = {
      {"summary", "Add a note (1-2000 bytes) to the session's timeline"},
      {"security", csrf}, {"parameters", session_id},
      {"requestBody", JsonBody(Object({{"text", str}}))},
      {"responses", Errors(Ok("201", Object({{"event", Ref("Event")}})), {"400", "401", "403", "404", "413"})}};
  paths["/sessions/{id}/events"]["get"]["parameters"] =
      json::array({Path("id", str), Query("after", integer, "only events with a larger id"),
                   Query("limit", integer, "1-1000, default 1000")});
  paths["/sessions/{id}/events"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
      Object({{"events", {{"type", "array"}, {"items", Ref("Event")}}}, {"more", boolean}});

  paths["/sessions/{id}/thumbnail"]["get"] = {
      {"summary", "The latest small thumbnail (about 240 px wide) of the guest's screen; asking keeps "
                  "the relay fetching a fresh one about every 5 s for 30 s. Support and meeting sessions: "
                  "none before the guest's consent, none after it is withdrawn or the guest leaves. "
                  "Needs ViewSessionGuestScreenshot; a session the user may not see is 404"},
      {"security", cookie}, {"parameters", session_id},
      {"responses", Errors(json{{"200", {{"description", "the thumbnail (Cache-Control: no-store)"},
                                         {"content", {{"image/jpeg", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}}},
                           {"401", "403", "404"})}};

  paths["/session-groups"] = {
      {"get", {{"summary", "Session groups in panel order (those for every tab and for `type`)"},
               {"security", cookie},
               {"parameters", json::array({Query("type", {{"enum", {"support", "meeting", "access"}}}, "a tab")})},
               {"responses", Errors(Ok("200", Object({{"groups", {{"type", "array"}, {"items", Ref("SessionGroup")}}}})),
                                    {"400", "401", "403"})}}},
      {"post", {{"summary", "Create a group (ManageSessionGroups)"},
                {"security", csrf},
                {"requestBody", JsonBody(Ref("SessionGroupInput"))},
                {"responses", Errors(Ok("201", Object({{"group", Ref("SessionGroup")}})), {"401", "403", "409", "413"})}}}};
  paths["/session-groups"]["post"]["responses"]["400"] = filter_error;
  paths["/session-groups/{id}"] = {
      {"get", {{"summary", "One group"}, {"security", cookie}, {"parameters", group_id},
               {"responses", Errors(Ok("200", Object({{"group", Ref("SessionGroup")}})), {"401", "403", "404"})}}},
      {"patch", {{"summary", "Change a group (ManageSessionGroups); absent fields stay"}, {"security", csrf},
                 {"parameters", group_id}, {"requestBody", JsonBody(Ref("SessionGroupInput"))},
                 {"responses", Errors(Ok("200", Object({{"group", Ref("SessionGroup")}})), {"401", "403", "404", "409", "413"})}}},
      {"delete", {{"summary", "Delete a group (ManageSessionGroups)"}, {"security", csrf}, {"parameters", group_id},
                  {"responses", Errors(Ok("204", nullptr), {"401", "403", "404"})}}}};
  paths["/session-groups/{id}"]["patch"]["responses"]["400"] = filter_error;
  json sub_params = json::array({Path("id", integer)});
  for (const auto& p : list_params) {
    if (p["name"] != "group" && p["name"] != "subgroup" && p["name"] != "limit" && p["name"] != "cursor") sub_params.push_back(p);
  }
  paths["/session-groups/{id}/subgroups"]["get"] = {
      {"summary", "The distinct values of the group's sub-group field with session counts (at most 500)"},
      {"security", cookie}, {"parameters", sub_params},
      {"responses", Errors(Ok("200", Object({{"field", str},
                                              {"subgroups", {{"type", "array"}, {"items", Object({{"value", str}, {"count", integer}})}}},
                                              {"truncated", boolean}})),
                           {"401", "404"})}};
  paths["/session-groups/{id}/subgroups"]["get"]["responses"]["400"] = filter_error;
}

}  // namespace tether::web
