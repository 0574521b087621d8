#include "server/web/json_body.h"

namespace tether::web {

std::optional<nlohmann::json> ParseObjectBody(const HttpRequest& req, size_t max_bytes, HttpResponse& error) {
  if (req.body.size() > max_bytes) {
    error = HttpResponse::Error(413, "too_large", "request body too large");
    return std::nullopt;
  }
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (!body.is_object()) {
    error = HttpResponse::Error(400, "validation", "body must be a JSON object");
    return std::nullopt;
  }
  return body;
}

}  // namespace tether::web
