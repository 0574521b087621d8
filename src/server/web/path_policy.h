#pragma once
// Strict request-path policy. Routes are matched on the exact path as received, and only a
// path already in canonical form may be routed at all: no percent escapes, no ';' parameters,
// no empty, '.' or '..' segments, no trailing slash, no backslashes or control bytes. Any
// other spelling is answered 404 before routing, so no spelling of a route can reach a
// handler that its canonical spelling would not (the first-run setup lesson).
#include <string_view>

namespace tether::web {

bool IsCanonicalPath(std::string_view path);

}  // namespace tether::web
