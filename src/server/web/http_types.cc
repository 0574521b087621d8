#include "server/web/http_types.h"

#include <nlohmann/json.hpp>

namespace tether::web {

const std::string& HttpRequest::Header(const std::string& lower_name) const {
  static const std::string kEmpty;
  auto it = headers.find(lower_name);
  return it == headers.end() ? kEmpty : it->second;
}

std::string HttpRequest::QueryParam(std::string_view name) const {
  return FindQueryParam(name).value_or(std::string());
}

std::optional<std::string> HttpRequest::FindQueryParam(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    size_t eq = pair.find('=');
    if (PercentDecode(pair.substr(0, eq), true) == name) {
      return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

void HttpResponse::Set(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

HttpResponse HttpResponse::Json(int status, const std::string& body) {
  HttpResponse r;
  r.status = status;
  r.body = body;
  r.Set("Content-Type", "application/json");
  return r;
}

HttpResponse HttpResponse::Error(int status, const std::string& code, const std::string& message) {
  return Json(status, nlohmann::json{{"error", code}, {"message", message}}.dump(
                          -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

HttpResponse HttpResponse::NotFound() { return Error(404, "not_found", "not found"); }

HttpResponse HttpResponse::NoContent() {
  HttpResponse r;
  r.status = 204;
  return r;
}

void SplitTarget(HttpRequest& req) {
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace tether::web
