#pragma once
// The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace tether::web {

const std::string& OpenApiDocument();

// Adds the session editing, session list and session group paths (openapi_sessions.cc).
void AddSessionCatalogPaths(nlohmann::json& doc);

}  // namespace tether::web
