#include "agent/codec/jpeg_encoder.h"

#include <turbojpeg.h>

namespace tether::agent {

JpegEncoder::JpegEncoder() : handle_(tjInitCompress()) {}

JpegEncoder::~JpegEncoder() {
  if (buffer_) tjFree(buffer_);
  if (handle_) tjDestroy(static_cast<tjhandle>(handle_));
}

Status JpegEncoder::Encode(const uint8_t* pixels, uint32_t stride, const Rect& rect,
                           int quality, bool subsample_420, std::string* out) {
  if (!handle_) return MakeError("internal", "TurboJPEG initialisation failed");
  const int subsampling = subsample_420 ? TJSAMP_420 : TJSAMP_444;
  const int width = static_cast<int>(rect.width);
  const int height = static_cast<int>(rect.height);
  const unsigned long needed = tjBufSize(width, height, subsampling);
  if (needed > capacity_) {
    if (buffer_) tjFree(buffer_);
    buffer_ = tjAlloc(static_cast<int>(needed));
    capacity_ = buffer_ ? needed : 0;
    if (!buffer_) return MakeError("internal", "out of memory for a JPEG buffer");
  }
  unsigned long size = capacity_;
  const unsigned char* src = pixels + size_t(rect.y) * stride + size_t(rect.x) * 4;
  if (tjCompress2(static_cast<tjhandle>(handle_), src, width, static_cast<int>(stride), height,
                  TJPF_BGRX, &buffer_, &size, subsampling, quality,
                  TJFLAG_FASTDCT | TJFLAG_NOREALLOC) != 0) {
    return MakeError("internal", std::string("JPEG compression failed: ") +
                                     tjGetErrorStr2(static_cast<tjhandle>(handle_)));
  }
  out->assign(reinterpret_cast<const char*>(buffer_), size);
  return {};
}

}  // namespace tether::agent
