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

}  // namespace tether::web
