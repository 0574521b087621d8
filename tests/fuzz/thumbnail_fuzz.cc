// Fuzzes the relay's check of a guest's Thumbnail: a control payload is decoded, and an
// accepted thumbnail must be a bounded JPEG whose frame header gives its small declared size.
#include <cstddef>
#include <cstdint>

#include "server/relay/thumbnail_check.h"
#include "wire/control.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tether;
  // Also the bare marker reader, on the raw bytes.
  (void)relay::ReadJpegSize(std::span<const uint8_t>(data, size));
  auto msg = wire::DecodeControl(std::span<const uint8_t>(data, size));
  if (!msg.ok() || !msg->has_thumbnail()) return 0;
  const v1::Thumbnail& t = msg->thumbnail();
  if (!relay::CheckThumbnail(t)) return 0;
  const std::string& j = t.jpeg();
  if (j.size() > relay::kMaxThumbnailBytes || j.size() < 4) __builtin_trap();
  if (static_cast<uint8_t>(j[0]) != 0xFF || static_cast<uint8_t>(j[1]) != 0xD8) __builtin_trap();
  if (t.width() == 0 || t.height() == 0 || t.width() > relay::kMaxThumbnailSide ||
      t.height() > relay::kMaxThumbnailSide) {
    __builtin_trap();
  }
  return 0;
}
