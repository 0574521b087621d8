#include "agent/codec/thumbnail_maker.h"

#include <algorithm>

namespace tether::agent {
namespace {

constexpr int kQualities[] = {60, 40, 25};

}  // namespace

ScaledSize FitThumbnail(uint32_t width, uint32_t height, uint32_t max_width, uint32_t max_height) {
  if (width == 0 || height == 0) return {};
  max_width = std::clamp<uint32_t>(max_width, 16, kMaxThumbnailSide);
  max_height = std::clamp<uint32_t>(max_height, 16, kMaxThumbnailSide);
  if (width <= max_width && height <= max_height) return {width, height};
  // Scale by the tighter of the two limits, rounding to the nearest pixel.
  const bool by_width = uint64_t{width} * max_height >= uint64_t{height} * max_width;
  ScaledSize s;
  if (by_width) {
    s.width = max_width;
    s.height = static_cast<uint32_t>((uint64_t{height} * max_width + width / 2) / width);
  } else {
    s.height = max_height;
    s.width = static_cast<uint32_t>((uint64_t{width} * max_height + height / 2) / height);
  }
  s.width = std::clamp<uint32_t>(s.width, 1, max_width);
  s.height = std::clamp<uint32_t>(s.height, 1, max_height);
  return s;
}

void DownscaleBgrx(const uint8_t* pixels, uint32_t stride, uint32_t width, uint32_t height, ScaledSize to,
                   std::vector<uint8_t>* out) {
  out->assign(size_t{to.width} * to.height * 4, 0);
  for (uint32_t dy = 0; dy < to.height; ++dy) {
    const uint32_t y0 = static_cast<uint32_t>(uint64_t{dy} * height / to.height);
    const uint32_t y1 = std::max(y0 + 1, static_cast<uint32_t>(uint64_t{dy + 1} * height / to.height));
    for (uint32_t dx = 0; dx < to.width; ++dx) {
      const uint32_t x0 = static_cast<uint32_t>(uint64_t{dx} * width / to.width);
      const uint32_t x1 = std::max(x0 + 1, static_cast<uint32_t>(uint64_t{dx + 1} * width / to.width));
      uint64_t b = 0, g = 0, r = 0;
      for (uint32_t y = y0; y < y1; ++y) {
        const uint8_t* p = pixels + size_t{y} * stride + size_t{x0} * 4;
        for (uint32_t x = x0; x < x1; ++x, p += 4) {
          b += p[0];
          g += p[1];
          r += p[2];
        }
      }
      const uint64_t n = uint64_t{y1 - y0} * (x1 - x0);
      uint8_t* d = out->data() + (size_t{dy} * to.width + dx) * 4;
      d[0] = static_cast<uint8_t>((b + n / 2) / n);
      d[1] = static_cast<uint8_t>((g + n / 2) / n);
      d[2] = static_cast<uint8_t>((r + n / 2) / n);
      d[3] = 0xff;
    }
  }
}

Status ThumbnailMaker::Make(const CapturedFrame& frame, uint32_t max_width, uint32_t max_height,
                            v1::Thumbnail* out) {
  if (!frame.pixels || frame.width == 0 || frame.height == 0) {
    return MakeError("unavailable", "no screen picture to make a thumbnail of");
  }
  const ScaledSize size = FitThumbnail(frame.width, frame.height, max_width, max_height);
  DownscaleBgrx(frame.pixels, frame.stride, frame.width, frame.height, size, &scaled_);
  for (int quality : kQualities) {
    auto st = jpeg_.Encode(scaled_.data(), size.width * 4, Rect{0, 0, size.width, size.height}, quality,
                           /*subsample_420=*/true, &encoded_);
    if (!st) return st;
    if (encoded_.size() <= kMaxThumbnailJpegBytes) {
      out->set_jpeg(encoded_);
      out->set_width(size.width);
      out->set_height(size.height);
      return {};
    }
  }
  return MakeError("too_large", "the thumbnail stays over 60 KiB");
}

}  // namespace tether::agent
