// Fuzzes the web server's own parsers of request headers and bodies: the session cookie out of
// a Cookie header, the Origin check, and the one JSON body reader (json_body.h) with its field
// access. The first byte picks the body limit; the rest is split at the first NUL into header
// text and body. A cookie value found is always inside the header; an accepted Origin is always
// exactly "https://" + Host or the public origin; a body over its limit is never parsed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/web/json_body.h"
#include "server/web/path_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tether::web;
  if (size == 0) return 0;
  const size_t limit = static_cast<size_t>(data[0]) * 64;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t nul = rest.find('\0');
  const std::string_view header = rest.substr(0, nul);
  const std::string_view body = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);

  HttpRequest req;
  req.headers["cookie"] = std::string(header);
  req.body = std::string(body);
  const std::string_view cookie = CookieValue(header, "__Host-tether_session");
  if (!cookie.empty() && (cookie.data() < header.data() + 22 || cookie.data() + cookie.size() > header.data() + header.size() ||
                          std::string_view(cookie.data() - 22, 22) != "__Host-tether_session=")) {
    __builtin_trap();
  }

  const std::string_view host = header.substr(0, header.size() / 2);
  const std::string_view origin = header.substr(header.size() / 2);
  if (IsOwnOrigin(origin, host, "https://support.example.com:8040")) {
    if (origin != "https://support.example.com:8040" && origin != "https://" + std::string(host)) __builtin_trap();
  }
  if (IsOwnOrigin("", host, "") || IsOwnOrigin(origin, "", "")) __builtin_trap();

  HttpResponse error;
  auto parsed = ParseObjectBody(req, limit, error);
  if (parsed) {
    if (req.body.size() > limit || !parsed->is_object()) __builtin_trap();
    (void)StringField(*parsed, "username");
    (void)StringField(*parsed, std::string(header.substr(0, 16)).c_str());
  } else if (error.status != (req.body.size() > limit ? 413 : 400)) {
    __builtin_trap();
  }
  return 0;
}
