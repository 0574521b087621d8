#pragma once
// Renders text as a QR code in SVG (libqrencode), so enrolment needs no script or third party
// in the browser. Pure function; thread-safe.
#include <optional>
#include <string>

namespace tether::web {

// A square SVG image of `text` as a QR code (error correction M, 4-module quiet zone, one
// path), or nullopt when the text does not fit a QR code.
std::optional<std::string> QrSvg(const std::string& text);

}  // namespace tether::web
