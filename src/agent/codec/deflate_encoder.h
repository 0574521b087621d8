#pragma once
// DeflateEncoder: lossless tiles. Converts a BGRX rectangle to RGBA (alpha 255) and compresses
// it as a zlib (RFC 1950) stream, which browsers inflate with DecompressionStream("deflate")
// (CODEC_DEFLATE_RGBA). Keeps its zlib stream and buffers across tiles. One thread (the
// encoder's) at a time.
#include <cstdint>
#include <string>
#include <vector>

#include "agent/capture/geometry.h"
#include "agent/codec/zlib_stream.h"
#include "base/result.h"

namespace tether::agent {

class DeflateEncoder {
 public:
  // level: zlib compression level 1 (fastest) .. 9.
  explicit DeflateEncoder(int level = 1);

  // Replaces *out with the compressed RGBA pixels of `rect` (frame coordinates) of a 32 bpp
  // BGRX frame with `stride` bytes per row.
  Status Encode(const uint8_t* pixels, uint32_t stride, const Rect& rect, std::string* out);

 private:
  ZlibStream zlib_;
  std::vector<uint32_t> rgba_;
};

// BGRX (memory order B, G, R, X) to RGBA with alpha 255, `count` pixels.
void BgrxToRgba(const uint8_t* bgrx, size_t count, uint32_t* rgba);

}  // namespace tether::agent
