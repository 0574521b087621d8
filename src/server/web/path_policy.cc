#include "server/web/path_policy.h"

namespace tether::web {

bool IsCanonicalPath(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.size() > 2048) return false;
  if (path == "/") return true;
  if (path.back() == '/') return false;
  size_t seg_start = 1;
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      std::string_view seg = path.substr(seg_start, i - seg_start);
      if (seg.empty() || seg == "." || seg == "..") return false;
      seg_start = i + 1;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(path[i]);
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || c == '.' || c == '~';
    if (!allowed) return false;  // '%', ';', '\\', ':', spaces, controls, non-ASCII, ...
  }
  return true;
}

bool IsOwnOrigin(std::string_view origin, std::string_view host, std::string_view public_origin) {
  if (origin.empty()) return false;
  constexpr std::string_view kScheme = "https://";
  if (!host.empty() && origin.size() == kScheme.size() + host.size() && origin.starts_with(kScheme) &&
      origin.substr(kScheme.size()) == host) {
    return true;
  }
  return !public_origin.empty() && origin == public_origin;
}

std::string_view CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view item = header.substr(0, semi);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.size() > name.size() && item.starts_with(name) && item[name.size()] == '=') {
      return item.substr(name.size() + 1);
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

}  // namespace tether::web
