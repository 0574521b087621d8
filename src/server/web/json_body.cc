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

std::string StringField(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace tether::web
