// The OpenAPI description of API tokens: the /tokens paths and the `bearer` security scheme,
// offered as an alternative on every operation a token may call (not /auth, /setup, /tokens).
#include <nlohmann/json.hpp>

#include "server/web/openapi.h"

namespace tether::web {

using nlohmann::json;

void AddTokenPaths(json& doc) {
  json str = {{"type", "string"}};
  json integer = {{"type", "integer"}};
  json error = {{"description", "error"}, {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  auto responses = [&](const char* code, json schema) {
    json r = {{"400", error}, {"401", error}, {"403", error}, {"404", error}, {"413", error}};
    r[code] = {{"description", "success"}};
    if (!schema.is_null()) r[code]["content"] = {{"application/json", {{"schema", std::move(schema)}}}};
    return r;
  };
  json token = {{"type", "object"},
                {"properties", {{"id", str}, {"user", str}, {"name", str}, {"hint", str},
                                {"scope", {{"type", "array"}, {"items", str}}}, {"created_at", integer},
                                {"expires_at", integer}, {"last_used_at", integer}, {"last_used_from", str}}}};
  doc["components"]["schemas"]["ApiToken"] = token;
  doc["components"]["securitySchemes"]["bearer"] = {{"type", "http"}, {"scheme", "bearer"},
                                                    {"description", "an API token (tth_...); no CSRF header"}};
  json ref = {{"$ref", "#/components/schemas/ApiToken"}};
  doc["paths"]["/tokens"] = {
      {"get",
       {{"summary", "API tokens: the caller's own, with ?user= another user's, or with ?all=true every user's "
                    "(both Administer). Never the secrets. Also the permission names a scope may hold and the "
                    "longest lifetime in days."},
        {"security", json::array({{{"cookie", json::array()}}})},
        {"parameters", json::array({{{"name", "user"}, {"in", "query"}, {"schema", str}},
                                    {{"name", "all"}, {"in", "query"}, {"schema", {{"enum", {"true"}}}}}})},
        {"responses", responses("200", {{"type", "object"},
                                        {"properties", {{"tokens", {{"type", "array"}, {"items", ref}}},
                                                        {"permissions", {{"type", "array"}, {"items", str}}},
                                                        {"max_days", integer}}}})}}},
      {"post",
       {{"summary", "Make an API token; the answer carries its secret, shown this once. A scope of at least one "
                    "permission and an expiry are required; `user` (Administer) makes one for someone else. "
                    "Cannot be called with a token."},
        {"security", json::array({{{"cookie", json::array()}, {"csrf", json::array()}}})},
        {"requestBody",
         {{"required", true},
          {"content", {{"application/json",
                        {{"schema", {{"type", "object"},
                                     {"required", {"name", "scope"}},
                                     {"properties", {{"name", str},
                                                     {"scope", {{"type", "array"}, {"items", str}}},
                                                     {"expires_days", integer},
                                                     {"expires_seconds", integer},
                                                     {"user", str}}},
                                     {"additionalProperties", false}}}}}}}}},
        {"responses", responses("201", {{"type", "object"}, {"properties", {{"token", ref}, {"secret", str}}}})}}}};
  doc["paths"]["/tokens/{id}"] = {
      {"delete",
       {{"summary", "Revoke an API token now (its owner, or an administrator)"},
        {"description", "Live connections opened with the token (viewer WebSocket, native host) close at once."},
        {"security", json::array({{{"cookie", json::array()}, {"csrf", json::array()}}})},
        {"parameters", json::array({{{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", str}}})},
        {"responses", responses("204", nullptr)}}}};
}

void AddBearerAlternatives(json& doc) {
  for (auto& [path, item] : doc["paths"].items()) {
    if (path.starts_with("/auth/") || path.starts_with("/tokens") || path == "/setup") continue;
    for (auto& [method, op] : item.items()) {
      if (!op.is_object() || !op.contains("security")) continue;
      bool needs_login = false;
      for (const auto& alternative : op["security"]) needs_login |= alternative.contains("cookie");
      if (needs_login) op["security"].push_back({{"bearer", json::array()}});
    }
  }
}

}  // namespace tether::web
