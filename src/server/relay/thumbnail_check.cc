#include "server/relay/thumbnail_check.h"

namespace tether::relay {
namespace {

Error Bad(const char* why) { return MakeError("protocol", std::string("thumbnail: ") + why); }

}  // namespace

Result<JpegSize> ReadJpegSize(std::span<const uint8_t> jpeg) {
  const size_t n = jpeg.size();
  if (n < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return Bad("not a JPEG (no start of image)");
  if (jpeg[n - 2] != 0xFF || jpeg[n - 1] != 0xD9) return Bad("not a JPEG (no end of image)");
  size_t i = 2;
  // Every step moves past a whole segment, so the loop ends within n / 4 steps.
  while (i + 4 <= n) {
    if (jpeg[i] != 0xFF) return Bad("malformed marker");
    const uint8_t marker = jpeg[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xD8 || marker == 0xD9 || marker == 0xDA || (marker >= 0xD0 && marker <= 0xD7) ||
        marker == 0x01) {
      return Bad("no frame header before the image data");
    }
    const size_t length = (size_t{jpeg[i + 2]} << 8) | jpeg[i + 3];
    if (length < 2 || i + 2 + length > n) return Bad("segment runs past the end");
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (length < 8) return Bad("short frame header");
      JpegSize size;
      size.height = (uint32_t{jpeg[i + 5]} << 8) | jpeg[i + 6];
      size.width = (uint32_t{jpeg[i + 7]} << 8) | jpeg[i + 8];
      return size;
    }
    i += 2 + length;
  }
  return Bad("no frame header");
}

Status CheckThumbnail(const v1::Thumbnail& thumbnail) {
  const std::string& bytes = thumbnail.jpeg();
  if (bytes.size() > kMaxThumbnailBytes) return Bad("larger than 63 KiB");
  auto size = ReadJpegSize(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  if (!size) return size.error();
  if (size->width == 0 || size->height == 0 || size->width > kMaxThumbnailSide ||
      size->height > kMaxThumbnailSide) {
    return Bad("dimensions must be 1 to 320 pixels");
  }
  if (size->width != thumbnail.width() || size->height != thumbnail.height()) {
    return Bad("declared size differs from the JPEG's");
  }
  return {};
}

}  // namespace tether::relay
