#pragma once
// Strict request-path policy. Routes are matched on the exact path as received, and only a
// path already in canonical form may be routed at all: no percent escapes, no ';' parameters,
// no empty, '.' or '..' segments, no trailing slash, no backslashes or control bytes. Any
// other spelling is answered 404 before routing, so no spelling of a route can reach a
// handler that its canonical spelling would not (the first-run setup lesson). Also the other
// checks of request headers that are ours, not Beast's: Origin and the Cookie header.
#include <string_view>

namespace tether::web {

bool IsCanonicalPath(std::string_view path);

// Whether a browser's Origin header names this server: exactly "https://" + the Host header,
// or exactly the configured public origin. An empty Origin never matches; no prefix, suffix,
// case or port variant does either.
bool IsOwnOrigin(std::string_view origin, std::string_view host, std::string_view public_origin);

// The value of cookie `name` in a Cookie header ("a=1; b=2"): the first exact name match,
// leading spaces of each item skipped; empty when absent. A view into `header`.
std::string_view CookieValue(std::string_view header, std::string_view name);

}  // namespace tether::web
