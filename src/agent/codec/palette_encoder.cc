#include "agent/codec/palette_encoder.h"

#include <algorithm>
#include <cstring>

namespace tether::agent {
namespace {

constexpr uint32_t kColorMask = 0x00ffffff;
constexpr uint64_t kPairMask = 0x00ffffff00ffffffull;

// Packs rows of one-byte indices at kBits per index, the first pixel in the high bits, each
// row starting on a byte and its last byte padded with zero bits.
template <uint32_t kBits>
void PackRows(const uint8_t* in, uint32_t width, uint32_t height, uint8_t* out) {
  constexpr uint32_t kPerByte = 8 / kBits;
  for (uint32_t y = 0; y < height; ++y) {
    const uint8_t* src = in + size_t{y} * width;
    uint32_t x = 0;
    for (; x + kPerByte <= width; x += kPerByte) {
      uint32_t b = 0;
      for (uint32_t k = 0; k < kPerByte; ++k) b = (b << kBits) | src[x + k];
      *out++ = static_cast<uint8_t>(b);
    }
    if (x < width) {
      uint32_t b = 0, k = 0;
      for (; x < width; ++x, ++k) b = (b << kBits) | src[x];
      *out++ = static_cast<uint8_t>(b << (kBits * (kPerByte - k)));
    }
  }
}

}  // namespace

uint32_t PaletteIndexBits(uint32_t colors) {
  if (colors <= 2) return 1;
  if (colors <= 4) return 2;
  if (colors <= 16) return 4;
  return 8;
}

bool PaletteIsSmaller(uint32_t colors, uint32_t width, uint32_t height) {
  if (colors == 0 || colors > kMaxPaletteColors) return false;
  const uint64_t palette = 2 + uint64_t{colors} * 4 +
                           uint64_t{PaletteRowBytes(width, PaletteIndexBits(colors))} * height;
  return palette < uint64_t{width} * height * 4;
}

PaletteEncoder::PaletteEncoder(ZlibParams zlib) : zlib_(zlib) {
  std::fill(std::begin(keys_), std::end(keys_), kEmpty);
}

void PaletteEncoder::ClearMap() {
  for (uint32_t i = 0; i < count_; ++i) keys_[used_slots_[i]] = kEmpty;
  count_ = 0;
}

uint32_t PaletteEncoder::Lookup(uint32_t c, uint32_t limit, bool* added) {
  for (uint32_t i = (c * 0x9E3779B1u) >> 22;; i = (i + 1) & (kSlots - 1)) {  // top 10 bits
    if (keys_[i] == c) {
      *added = false;
      return values_[i];
    }
    if (keys_[i] == kEmpty) {
      if (count_ >= limit) return kEmpty;
      keys_[i] = c;
      values_[i] = static_cast<uint8_t>(count_);
      used_slots_[count_] = static_cast<uint16_t>(i);
      palette_[count_] = c;
      *added = true;
      return count_++;
    }
  }
}

TileClass PaletteEncoder::Scan(const uint8_t* pixels, uint32_t stride, const Rect& rect,
                               const ClassifierLimits& limits) {
  constexpr TileClass kPhoto{TileKind::kPhoto, 0, 0};
  ClearMap();
  ready_ = false;
  if (rect.empty()) return kPhoto;
  const uint32_t runs_limit = std::clamp<uint32_t>(limits.max_runs_palette, 1, kMaxPaletteColors);
  const uint32_t palette_limit = std::min(limits.max_palette, runs_limit);
  const uint64_t share = limits.min_repeat_share;
  const size_t area = rect.area();
  if (indices_.size() < area) indices_.resize(area);
  uint8_t* out = indices_.data();
  const uint8_t* row0 = pixels + size_t(rect.y) * stride + size_t(rect.x) * 4;
  uint32_t first;
  std::memcpy(&first, row0, 4);
  first &= kColorMask;
  bool added;
  Lookup(first, runs_limit, &added);
  // c0 is the left neighbour (the previous pixel in scan order) and c1 the colour before it,
  // with their indices: text alternates between two colours. Counting the pixels that repeat
  // their left neighbour gives the classifier's verdict on many-coloured tiles.
  uint32_t c0 = first, i0 = 0, c1 = first, i1 = 0;
  uint64_t repeats = 0;
  for (uint32_t row = 0; row < rect.height; ++row) {
    const uint8_t* p = row0 + size_t{row} * stride;
    uint32_t x = 0;
    while (x < rect.width) {
      // Four pixels at a time while they continue the run of c0.
      const uint64_t run = uint64_t{c0} | (uint64_t{c0} << 32);
      const uint32_t fill = i0 * 0x01010101u;
      while (x + 4 <= rect.width) {
        uint64_t a, b;
        std::memcpy(&a, p, 8);
        std::memcpy(&b, p + 8, 8);
        if (((a & kPairMask) != run) | ((b & kPairMask) != run)) break;
        std::memcpy(out, &fill, 4);
        out += 4;
        repeats += 4;
        x += 4;
        p += 16;
      }
      if (x >= rect.width) break;
      uint32_t v;
      std::memcpy(&v, p, 4);
      v &= kColorMask;
      ++x;
      p += 4;
      if (v == c0) {
        ++repeats;
        *out++ = static_cast<uint8_t>(i0);
        continue;
      }
      if (v == c1) {
        std::swap(c0, c1);
        std::swap(i0, i1);
        *out++ = static_cast<uint8_t>(i0);
        continue;
      }
      const uint32_t i = Lookup(v, runs_limit, &added);
      if (i == kEmpty) return kPhoto;  // more than runs_limit colours
      c1 = c0;
      i1 = i0;
      c0 = v;
      i0 = i;
      *out++ = static_cast<uint8_t>(i);
      if (!added || count_ <= palette_limit) continue;
      const uint64_t scanned = uint64_t{row} * rect.width + x;
      if (repeats * 256 < scanned * share) return kPhoto;
    }
  }
  width_ = rect.width;
  height_ = rect.height;
  ready_ = true;
  if (count_ == 1) return TileClass{TileKind::kSolid, first, 1};
  // Judge the repeat share over the whole tile, not just the prefix seen at the limit.
  if (count_ > palette_limit && repeats * 256 < area * share) {
    ready_ = false;
    return kPhoto;
  }
  return TileClass{TileKind::kLossless, 0, count_};
}

void PaletteEncoder::Pack(uint32_t bits) {
  const size_t size = size_t{PaletteRowBytes(width_, bits)} * height_;
  if (packed_.size() < size) packed_.resize(size);
  switch (bits) {
    case 1: PackRows<1>(indices_.data(), width_, height_, packed_.data()); break;
    case 2: PackRows<2>(indices_.data(), width_, height_, packed_.data()); break;
    case 4: PackRows<4>(indices_.data(), width_, height_, packed_.data()); break;
    default: break;
  }
}

Status PaletteEncoder::Write(std::string* out) {
  if (!ready_ || count_ == 0) return MakeError("internal", "no palette tile scanned");
  const uint32_t bits = PaletteIndexBits(count_);
  // Header: bits per index, palette size - 1, then the entries as R, G, B, A.
  uint8_t header[2 + kMaxPaletteColors * 4];
  header[0] = static_cast<uint8_t>(bits);
  header[1] = static_cast<uint8_t>(count_ - 1);
  uint8_t* entry = header + 2;
  for (uint32_t i = 0; i < count_; ++i, entry += 4) {
    const uint32_t c = palette_[i];  // BGRX: B in the low byte
    entry[0] = static_cast<uint8_t>(c >> 16);
    entry[1] = static_cast<uint8_t>(c >> 8);
    entry[2] = static_cast<uint8_t>(c);
    entry[3] = 0xff;
  }
  out->assign(reinterpret_cast<const char*>(header), entry - header);
  if (bits == 8) return zlib_.Compress(indices_.data(), size_t{width_} * height_, out);
  Pack(bits);
  return zlib_.Compress(packed_.data(), size_t{PaletteRowBytes(width_, bits)} * height_, out);
}

Result<bool> PaletteEncoder::Encode(const uint8_t* pixels, uint32_t stride, const Rect& rect,
                                    std::string* out, uint32_t max_colors) {
  if (rect.empty()) return MakeError("validation", "empty palette tile");
  max_colors = std::clamp<uint32_t>(max_colors, 1, kMaxPaletteColors);
  // No repeat-share test: only the number of colours decides.
  const ClassifierLimits limits{.max_palette = max_colors, .min_repeat_share = 0,
                                .max_runs_palette = max_colors};
  if (Scan(pixels, stride, rect, limits).kind == TileKind::kPhoto) return false;
  if (Status s = Write(out); !s.ok()) return s.error();
  return true;
}

}  // namespace tether::agent
