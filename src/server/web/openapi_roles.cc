// The OpenAPI description of roles and users' roles (docs/api.md, docs/security.md).
#include <nlohmann/json.hpp>

#include "server/web/openapi.h"
#include "server/web/openapi_schema.h"

namespace tether::web {

using nlohmann::json;
using namespace openapi;  // NOLINT: the document builders

void AddRolePaths(json& doc) {
  const json str = {{"type", "string"}};
  const json integer = {{"type", "integer"}};
  const json cookie = json::array({{{"cookie", json::array()}}});
  const json csrf = json::array({{{"cookie", json::array()}, {"csrf", json::array()}}});
  const json role_id = json::array({Path("id", integer)});
  auto& schemas = doc["components"]["schemas"];
  schemas["RoleEntry"] = Object({{"permission", str},
                                 {"effect", {{"enum", {"allow", "deny"}}}},
                                 {"group_id", {{"type", {"integer", "null"}},
                                               {"description", "a session group's id; null = every session (global)"}}}});
  schemas["Role"] = Object({{"id", integer}, {"name", str}, {"description", str},
                            {"entries", {{"type", "array"}, {"items", Ref("RoleEntry")}}},
                            {"created_at", integer}, {"updated_at", integer}});
  schemas["RoleInput"] = Object({{"name", str}, {"description", str},
                                 {"entries", {{"type", "array"}, {"items", Ref("RoleEntry")}, {"maxItems", 200}}}});
  const json one_role = Object({{"role", Ref("Role")}});
  auto& paths = doc["paths"];
  paths["/roles"] = {
      {"get", {{"summary", "Roles and the permission names (Administer)"}, {"security", cookie},
               {"responses", Errors(Ok("200", Object({{"roles", {{"type", "array"}, {"items", Ref("Role")}}},
                                                      {"permissions", {{"type", "array"},
                                                                       {"items", Object({{"name", str}, {"global", {{"type", "boolean"}}}})}}}})),
                                    {"401", "403"})}}},
      {"post", {{"summary", "Create a role (Administer)"}, {"security", csrf},
                {"requestBody", JsonBody(Ref("RoleInput"))},
                {"responses", Errors(Ok("201", one_role), {"400", "401", "403", "409", "413"})}}}};
  paths["/roles/{id}"] = {
      {"get", {{"summary", "One role (Administer)"}, {"security", cookie}, {"parameters", role_id},
               {"responses", Errors(Ok("200", one_role), {"401", "403", "404"})}}},
      {"patch", {{"summary", "Change a role (Administer); absent fields stay. 409 last_administrator when no "
                             "enabled user would keep Administer"},
                 {"security", csrf}, {"parameters", role_id}, {"requestBody", JsonBody(Ref("RoleInput"))},
                 {"responses", Errors(Ok("200", one_role), {"400", "401", "403", "404", "409", "413"})}}},
      {"delete", {{"summary", "Delete a role no user holds (Administer)"}, {"security", csrf}, {"parameters", role_id},
                  {"responses", Errors(Ok("204", nullptr), {"401", "403", "404", "409"})}}}};
  paths["/users"]["get"] = {
      {"summary", "Users (Administer)"}, {"security", cookie},
      {"responses", Errors(Ok("200", Object({{"users", {{"type", "array"}, {"items", {{"type", "object"}}}}}})), {"401", "403"})}};
  paths["/users/{name}"]["patch"] = {
      {"summary", "Give a user another role (Administer); ends their web sessions and connections. 409 "
                  "last_administrator when no enabled user would keep Administer"},
      {"security", csrf}, {"parameters", json::array({Path("name", str)})},
      {"requestBody", JsonBody(Object({{"role", str}}))},
      {"responses", Errors(Ok("200", Object({{"user", {{"type", "object"}}}})), {"400", "401", "403", "404", "409", "413"})}};
}

}  // namespace tether::web
