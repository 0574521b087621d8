#pragma once
// The IP-restricted areas a web request belongs to (docs/security.md, "IP restrictions"):
// login (logging in and out, setup), admin (administration API and pages), api (requests with
// an API token), host (the control panel, its API calls and the viewer WebSocket). The guest
// page, health, metrics, the OpenAPI document and static assets belong to none. Pure.
#include <string>
#include <vector>

#include "net/ip_access.h"
#include "server/web/http_types.h"

namespace tether::web {

struct IpArea {
  const char* name;  // "login", "host", "admin", "api"
  const net::IpRule* rule;
};

// Every area whose lists the request must pass (an administration call with an API token is in
// both admin and api).
std::vector<IpArea> AreasOf(const HttpRequest& req, const net::IpAreas& areas);

// The client address of `req` (its peer_addr, or remote_addr for a request made in-process, and
// X-Forwarded-For) as `areas`' trusted proxies resolve it.
std::string ClientAddressWith(const HttpRequest& req, const net::IpAreas& areas);

// The first area whose lists refuse `req.remote_addr`, or nullptr.
const char* RefusingArea(const HttpRequest& req, const net::IpAreas& areas);

}  // namespace tether::web
