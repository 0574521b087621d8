#pragma once
// The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace tether::web {

const std::string& OpenApiDocument();

// Adds the session editing, session list and session group paths (openapi_sessions.cc).
void AddSessionCatalogPaths(nlohmann::json& doc);
// Adds the /tokens paths and the bearer scheme (openapi_tokens.cc). AddBearerAlternatives runs
// last: every operation behind a login that a token may call also accepts `bearer`.
void AddTokenPaths(nlohmann::json& doc);
void AddBearerAlternatives(nlohmann::json& doc);
// Adds /roles and /users (openapi_roles.cc).
void AddRolePaths(nlohmann::json& doc);

}  // namespace tether::web
