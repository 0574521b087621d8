#pragma once
// ThumbnailMaker: the small picture of the guest's screen the control panel shows
// (docs/protocol.md section 5.7). Scales a captured frame down with a box filter (aspect kept,
// never up) and encodes it as a baseline JPEG of modest quality, small enough for one control
// frame. Used on the capture pump's thread only; keeps its buffers between calls.
#include <cstdint>
#include <string>
#include <vector>

#include "agent/capture/screen_capturer.h"
#include "agent/codec/jpeg_encoder.h"
#include "base/result.h"
#include "tether/v1/control.pb.h"

namespace tether::agent {

// The JPEG must fit a control frame (64 KiB) with room to spare; the relay refuses more.
inline constexpr size_t kMaxThumbnailJpegBytes = 60 * 1024;
inline constexpr uint32_t kMaxThumbnailSide = 320;

struct ScaledSize {
  uint32_t width = 0;
  uint32_t height = 0;
};

// The size of a `width` x `height` picture fitted into max_width x max_height (each clamped to
// 16..kMaxThumbnailSide), aspect kept, never larger than the picture, at least 1 x 1.
ScaledSize FitThumbnail(uint32_t width, uint32_t height, uint32_t max_width, uint32_t max_height);

// Box-filters a BGRX picture down to `to` (each destination pixel averages its source area).
// `out` receives to.width * to.height * 4 bytes.
void DownscaleBgrx(const uint8_t* pixels, uint32_t stride, uint32_t width, uint32_t height, ScaledSize to,
                   std::vector<uint8_t>* out);

class ThumbnailMaker {
 public:
  // Fills `out` (jpeg, width, height); an error for an empty frame or a JPEG that stays over
  // kMaxThumbnailJpegBytes even at low quality.
  Status Make(const CapturedFrame& frame, uint32_t max_width, uint32_t max_height, v1::Thumbnail* out);

 private:
  JpegEncoder jpeg_;
  std::vector<uint8_t> scaled_;
  std::string encoded_;
};

}  // namespace tether::agent
