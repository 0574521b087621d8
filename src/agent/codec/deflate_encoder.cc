#include "agent/codec/deflate_encoder.h"

#include <cstring>

namespace tether::agent {

void BgrxToRgba(const uint8_t* bgrx, size_t count, uint32_t* rgba) {
  // Little-endian words: in = X R G B (msb..lsb), out = A B G R.
  for (size_t i = 0; i < count; ++i) {
    uint32_t v;
    std::memcpy(&v, bgrx + i * 4, 4);
    rgba[i] = 0xff000000u | ((v & 0xffu) << 16) | (v & 0xff00u) | ((v >> 16) & 0xffu);
  }
}

DeflateEncoder::DeflateEncoder(int level) : zlib_(ZlibParams{.level = level}) {}

Status DeflateEncoder::Encode(const uint8_t* pixels, uint32_t stride, const Rect& rect,
                              std::string* out) {
  const size_t count = rect.area();
  if (rgba_.size() < count) rgba_.resize(count);
  for (uint32_t row = 0; row < rect.height; ++row) {
    BgrxToRgba(pixels + size_t(rect.y + row) * stride + size_t(rect.x) * 4, rect.width,
               rgba_.data() + size_t{row} * rect.width);
  }
  out->clear();
  return zlib_.Compress(rgba_.data(), count * 4, out);
}

}  // namespace tether::agent
