#include "agent/codec/zlib_stream.h"

#include <zlib.h>

#include <cstring>

namespace tether::agent {
namespace {

int ZlibStrategyValue(ZlibStrategy s) {
  switch (s) {
    case ZlibStrategy::kFiltered: return Z_FILTERED;
    case ZlibStrategy::kRle: return Z_RLE;
    case ZlibStrategy::kHuffmanOnly: return Z_HUFFMAN_ONLY;
    case ZlibStrategy::kFixed: return Z_FIXED;
    case ZlibStrategy::kDefault: break;
  }
  return Z_DEFAULT_STRATEGY;
}

}  // namespace

ZlibStream::ZlibStream(ZlibParams params) : stream_(std::make_unique<z_stream_s>()) {
  std::memset(stream_.get(), 0, sizeof(z_stream_s));
  // windowBits 15: the zlib wrapper (RFC 1950) with the largest window.
  initialized_ = deflateInit2(stream_.get(), params.level, Z_DEFLATED, 15, params.mem_level,
                              ZlibStrategyValue(params.strategy)) == Z_OK;
}

ZlibStream::~ZlibStream() {
  if (initialized_) deflateEnd(stream_.get());
}

Status ZlibStream::Compress(const void* data, size_t size, std::string* out) {
  if (!initialized_) return MakeError("internal", "zlib initialisation failed");
  z_stream* zs = stream_.get();
  if (deflateReset(zs) != Z_OK) return MakeError("internal", "deflateReset failed");
  const size_t start = out->size();
  const uLong bound = deflateBound(zs, static_cast<uLong>(size));
  out->resize(start + bound);  // keeps its capacity across tiles
  zs->next_in = static_cast<Bytef*>(const_cast<void*>(data));
  zs->avail_in = static_cast<uInt>(size);
  zs->next_out = reinterpret_cast<Bytef*>(out->data() + start);
  zs->avail_out = static_cast<uInt>(bound);
  if (deflate(zs, Z_FINISH) != Z_STREAM_END) {
    out->resize(start);
    return MakeError("internal", "deflate failed");
  }
  out->resize(start + zs->total_out);
  return {};
}

}  // namespace tether::agent
