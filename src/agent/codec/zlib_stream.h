#pragma once
// ZlibStream: one reusable zlib (RFC 1950) compressor for whole buffers, the format browsers
// inflate with DecompressionStream("deflate"). Keeps its z_stream (and zlib's window and hash
// tables) across calls, so compressing a tile allocates nothing once *out has grown. One
// thread (the encoder's) at a time.
#include <cstddef>
#include <memory>
#include <string>

#include "base/result.h"

struct z_stream_s;

namespace tether::agent {

enum class ZlibStrategy { kDefault, kFiltered, kRle, kHuffmanOnly, kFixed };

struct ZlibParams {
  int level = 1;      // 1 (fastest) .. 9
  // zlib's memLevel 1..9: the hash table (cleared on every reset: 2^(mem_level+8) bytes) and
  // the symbol buffer (a new Huffman block every 2^(mem_level+6) symbols).
  int mem_level = 8;
  ZlibStrategy strategy = ZlibStrategy::kDefault;
};

class ZlibStream {
 public:
  explicit ZlibStream(ZlibParams params = {});
  ~ZlibStream();
  ZlibStream(const ZlibStream&) = delete;
  ZlibStream& operator=(const ZlibStream&) = delete;

  // Appends the complete zlib stream of `size` bytes at `data` to *out.
  Status Compress(const void* data, size_t size, std::string* out);

 private:
  std::unique_ptr<z_stream_s> stream_;
  bool initialized_ = false;
};

}  // namespace tether::agent
