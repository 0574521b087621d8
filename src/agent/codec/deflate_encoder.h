#pragma once
// DeflateEncoder: lossless tiles. Converts a BGRX rectangle to RGBA (alpha 255) and compresses
// it as a zlib (RFC 1950) stream, which browsers inflate with DecompressionStream("deflate").
// Keeps one z_stream and its buffers across tiles. One thread (the encoder's) at a time.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/capture/geometry.h"
#include "base/result.h"

struct z_stream_s;

namespace tether::agent {

class DeflateEncoder {
 public:
  // level: zlib compression level 1 (fastest) .. 9.
  explicit DeflateEncoder(int level = 1);
  ~DeflateEncoder();
  DeflateEncoder(const DeflateEncoder&) = delete;
  DeflateEncoder& operator=(const DeflateEncoder&) = delete;

  // Replaces *out with the compressed RGBA pixels of `rect` (frame coordinates) of a 32 bpp
  // BGRX frame with `stride` bytes per row.
  Status Encode(const uint8_t* pixels, uint32_t stride, const Rect& rect, std::string* out);

 private:
  std::unique_ptr<z_stream_s> stream_;
  bool initialized_ = false;
  std::vector<uint32_t> rgba_;
  std::vector<uint8_t> output_;
};

// BGRX (memory order B, G, R, X) to RGBA with alpha 255, `count` pixels.
void BgrxToRgba(const uint8_t* bgrx, size_t count, uint32_t* rgba);

}  // namespace tether::agent
