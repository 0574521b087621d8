#include "server/web/qr_svg.h"

#include <qrencode.h>

#include <memory>

namespace tether::web {

std::optional<std::string> QrSvg(const std::string& text) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), &QRcode_free);
  if (!qr) return std::nullopt;
  const int n = qr->width, quiet = 4, size = n + 2 * quiet;
  std::string path;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      if (qr->data[y * n + x] & 1) {
        path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
      }
    }
  }
  const std::string dim = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + dim + " " + dim +
         "\" width=\"" + std::to_string(size * 6) + "\" height=\"" + std::to_string(size * 6) +
         "\" shape-rendering=\"crispEdges\"><rect width=\"" + dim + "\" height=\"" + dim +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

}  // namespace tether::web
