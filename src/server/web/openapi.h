#pragma once
// The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.
#include <string>

namespace tether::web {

const std::string& OpenApiDocument();

}  // namespace tether::web
