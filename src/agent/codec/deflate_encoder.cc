#include "agent/codec/deflate_encoder.h"

#include <zlib.h>

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

DeflateEncoder::DeflateEncoder(int level) : stream_(std::make_unique<z_stream_s>()) {
  std::memset(stream_.get(), 0, sizeof(z_stream_s));
  // windowBits 15: zlib wrapper (RFC 1950); memLevel 8 is zlib's default.
  initialized_ = deflateInit2(stream_.get(), level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

DeflateEncoder::~DeflateEncoder() {
  if (initialized_) deflateEnd(stream_.get());
}

Status DeflateEncoder::Encode(const uint8_t* pixels, uint32_t stride, const Rect& rect,
                              std::string* out) {
  if (!initialized_) return MakeError("internal", "zlib initialisation failed");
  const size_t count = rect.area();
  if (rgba_.size() < count) rgba_.resize(count);
  for (uint32_t row = 0; row < rect.height; ++row) {
    BgrxToRgba(pixels + size_t(rect.y + row) * stride + size_t(rect.x) * 4, rect.width,
               rgba_.data() + size_t{row} * rect.width);
  }
  z_stream* zs = stream_.get();
  if (deflateReset(zs) != Z_OK) return MakeError("internal", "deflateReset failed");
  const uLong in_bytes = static_cast<uLong>(count * 4);
  const uLong bound = deflateBound(zs, in_bytes);
  if (output_.size() < bound) output_.resize(bound);
  zs->next_in = reinterpret_cast<Bytef*>(rgba_.data());
  zs->avail_in = static_cast<uInt>(in_bytes);
  zs->next_out = output_.data();
  zs->avail_out = static_cast<uInt>(output_.size());
  if (deflate(zs, Z_FINISH) != Z_STREAM_END) return MakeError("internal", "deflate failed");
  out->assign(reinterpret_cast<const char*>(output_.data()), zs->total_out);
  return {};
}

}  // namespace tether::agent
