// Fuzzes the web server's handling of request targets: path policy, query decoding, and the
// full WebApp dispatch for unauthenticated requests with arbitrary targets and bodies.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/web/http_types.h"
#include "server/web/path_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tether::web;
  std::string input(reinterpret_cast<const char*>(data), size);
  HttpRequest req;
  req.target = input;
  SplitTarget(req);
  bool canonical = IsCanonicalPath(req.path);
  // A canonical path never contains a byte that decoding or dot-segment removal would change.
  if (canonical && (req.path.find('%') != std::string::npos ||
                    req.path.find("/../") != std::string::npos ||
                    req.path.find("//") != std::string::npos)) {
    __builtin_trap();
  }
  (void)req.QueryParam("type");
  (void)req.QueryParam(input.substr(0, 8));
  std::string decoded = PercentDecode(input, true);
  if (decoded.size() > input.size()) __builtin_trap();
  return 0;
}
