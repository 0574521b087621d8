#pragma once
// The relay's check of a guest's Thumbnail before it is kept (docs/protocol.md section 5.7): a
// bounded baseline or progressive JPEG whose frame header gives small dimensions that match
// the message. Reads only the marker segments up to the frame header, never decodes the
// picture. Pure functions; any thread.
#include <cstdint>
#include <span>
#include <string>

#include "base/result.h"
#include "tether/v1/control.pb.h"

namespace tether::relay {

inline constexpr size_t kMaxThumbnailBytes = 63 * 1024;
inline constexpr uint32_t kMaxThumbnailSide = 320;

struct JpegSize {
  uint32_t width = 0;
  uint32_t height = 0;
};

// The dimensions in a JPEG's first frame header (SOFn), or "protocol" when `jpeg` does not
// start with SOI, has a malformed segment before the frame header, or does not end with EOI.
Result<JpegSize> ReadJpegSize(std::span<const uint8_t> jpeg);

// "protocol" unless the thumbnail is at most kMaxThumbnailBytes, a JPEG, no larger than
// kMaxThumbnailSide on either side, and its declared size is the JPEG's.
Status CheckThumbnail(const v1::Thumbnail& thumbnail);

}  // namespace tether::relay
