#pragma once
// JpegEncoder: photographic tiles as baseline JPEG (TurboJPEG, straight from BGRX). Keeps one
// compressor handle and output buffer across tiles. One thread (the encoder's) at a time.
#include <cstdint>
#include <string>

#include "agent/capture/geometry.h"
#include "base/result.h"

namespace tether::agent {

class JpegEncoder {
 public:
  JpegEncoder();
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;

  // Replaces *out with the JPEG of `rect` (frame coordinates) of a 32 bpp BGRX frame.
  // quality 1..100; subsample_420: 4:2:0 chroma (else 4:4:4).
  Status Encode(const uint8_t* pixels, uint32_t stride, const Rect& rect, int quality,
                bool subsample_420, std::string* out);

 private:
  void* handle_ = nullptr;           // tjhandle
  unsigned char* buffer_ = nullptr;  // tjAlloc'ed
  unsigned long capacity_ = 0;
};

}  // namespace tether::agent
