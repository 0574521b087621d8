#pragma once
// Transport-neutral HTTP request/response values. The Beast server converts to and from them,
// so every handler is plain code testable without sockets.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether::web {

struct HttpRequest {
  std::string method;        // "GET", "POST", ...
  std::string target;        // as received: path plus optional "?query"
  std::string path;          // target before '?', not decoded
  std::string query;         // after '?', not decoded
  std::map<std::string, std::string> headers;  // names lower-case; repeated headers joined by ", "
  std::string body;
  std::string peer_addr;     // the socket's peer address (a proxy, when one forwards)
  std::string remote_addr;   // the client's address: peer_addr, or the one a trusted proxy names

  const std::string& Header(const std::string& lower_name) const;
  // A query parameter, percent-decoded; empty when absent.
  std::string QueryParam(std::string_view name) const;
  // The same, but nullopt when the parameter is absent (present and empty gives "").
  std::optional<std::string> FindQueryParam(std::string_view name) const;
  bool IsStateChanging() const { return method != "GET" && method != "HEAD" && method != "OPTIONS"; }
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void Set(std::string name, std::string value);
  static HttpResponse Json(int status, const std::string& body);
  // {"error": code, "message": message}
  static HttpResponse Error(int status, const std::string& code, const std::string& message);
  static HttpResponse NotFound();
  static HttpResponse NoContent();
};

// Splits "path?query".
void SplitTarget(HttpRequest& req);
// Decodes %XX escapes and '+' (query strings only). Invalid escapes are kept literally.
std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace tether::web
