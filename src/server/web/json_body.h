#pragma once
// The one way the REST handlers read a request body: a single JSON object, bounded in size
// before it is parsed.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>

#include "server/web/http_types.h"

namespace tether::web {

// The body as a JSON object of at most `max_bytes`; otherwise nullopt with `error` set to
// 413 too_large or 400 validation.
std::optional<nlohmann::json> ParseObjectBody(const HttpRequest& req, size_t max_bytes, HttpResponse& error);

// The string field `key` of a body object; "" when it is absent or not a string.
std::string StringField(const nlohmann::json& body, const char* key);

}  // namespace tether::web
