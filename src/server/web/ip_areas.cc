#include "server/web/ip_areas.h"

#include <string_view>

namespace tether::web {
namespace {

// `path` is `prefix` or below it.
bool Under(std::string_view path, std::string_view prefix) {
  return path == prefix || (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/');
}

bool AnyUnder(std::string_view path, std::initializer_list<std::string_view> prefixes) {
  for (auto p : prefixes) {
    if (Under(path, p)) return true;
  }
  return false;
}

}  // namespace

std::vector<IpArea> AreasOf(const HttpRequest& req, const net::IpAreas& a) {
  const std::string_view path = req.path;
  if (AnyUnder(path, {"/guest", "/api/v1/guest", "/healthz", "/metrics", "/api/v1/openapi.json", "/assets",
                      "/favicon.svg"})) {
    return {};
  }
  if (AnyUnder(path, {"/api/v1/auth", "/api/v1/setup", "/setup", "/login"})) return {{"login", &a.login}};
  std::vector<IpArea> out;
  // Any Authorization header, whatever its scheme's spelling: the web server authenticates such a
  // request by that header alone (WebApp::RequireTokenUser), so it is an API request.
  const bool token = !req.Header("authorization").empty();
  if (AnyUnder(path, {"/admin", "/api/v1/users", "/api/v1/roles", "/api/v1/tokens", "/api/v1/audit",
                      "/api/v1/settings", "/api/v1/doctor", "/api/v1/recordings", "/api/v1/reports"})) {
    out.push_back({"admin", &a.admin});
  } else if (!token) {
    out.push_back({"host", &a.host});
  }
  if (token) out.push_back({"api", &a.api});
  return out;
}

std::string ClientAddressWith(const HttpRequest& req, const net::IpAreas& areas) {
  const std::string& peer = req.peer_addr.empty() ? req.remote_addr : req.peer_addr;
  return net::ClientAddress(peer, req.Header("x-forwarded-for"), areas.trusted_proxies);
}

const char* RefusingArea(const HttpRequest& req, const net::IpAreas& areas) {
  for (const auto& area : AreasOf(req, areas)) {
    if (!area.rule->Permits(req.remote_addr)) return area.name;
  }
  return nullptr;
}

}  // namespace tether::web
