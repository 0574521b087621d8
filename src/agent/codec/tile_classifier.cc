#include "agent/codec/tile_classifier.h"

#include <algorithm>
#include <cstring>

namespace tether::agent {
namespace {

constexpr uint32_t kColorMask = 0x00ffffff;
constexpr uint64_t kPairMask = 0x00ffffff00ffffffull;
constexpr uint32_t kEmpty = 0xffffffff;  // never a masked colour
constexpr uint32_t kTableSize = 1024;     // > 2 * the largest palette limit

// A tiny open-addressed set of 24-bit colours, cleared per tile.
class ColorSet {
 public:
  explicit ColorSet(uint32_t capacity) {
    size_ = 64;
    while (size_ < capacity * 2 && size_ < kTableSize) size_ *= 2;
    std::fill(slots_, slots_ + size_, kEmpty);
  }
  // True when the colour was not yet in the set.
  bool Insert(uint32_t color) {
    uint32_t i = (color * 0x9E3779B1u) >> 22;  // top 10 bits
    for (i &= size_ - 1;; i = (i + 1) & (size_ - 1)) {
      if (slots_[i] == color) return false;
      if (slots_[i] == kEmpty) {
        slots_[i] = color;
        return true;
      }
    }
  }

 private:
  uint32_t slots_[kTableSize];
  uint32_t size_;
};

}  // namespace

TileClass ClassifyTile(const uint8_t* pixels, uint32_t stride, const Rect& rect,
                       const ClassifierLimits& limits) {
  // The set never fills beyond half: the scan stops past runs_limit colours.
  const uint32_t runs_limit = std::min(limits.max_runs_palette, kTableSize / 2 - 1);
  const uint32_t palette_limit = std::min(limits.max_palette, runs_limit);
  ColorSet colors(runs_limit + 1);
  uint32_t first = 0;
  std::memcpy(&first, pixels + size_t(rect.y) * stride + size_t(rect.x) * 4, 4);
  first &= kColorMask;
  colors.Insert(first);
  uint32_t distinct = 1;
  uint32_t prev = first;    // the left neighbour
  uint32_t other = first;   // the colour before it: text alternates between two colours
  uint64_t scanned = 0, repeats = 0;
  for (uint32_t row = 0; row < rect.height; ++row) {
    const uint8_t* p = pixels + size_t(rect.y + row) * stride + size_t(rect.x) * 4;
    uint32_t col = 0;
    while (col < rect.width) {
      // Four pixels at a time while they continue the current run.
      const uint64_t run = uint64_t{prev} | (uint64_t{prev} << 32);
      while (col + 4 <= rect.width) {
        uint64_t a, b;
        std::memcpy(&a, p, 8);
        std::memcpy(&b, p + 8, 8);
        if (((a & kPairMask) != run) | ((b & kPairMask) != run)) break;
        repeats += 4;
        col += 4;
        p += 16;
      }
      if (col >= rect.width) break;
      uint32_t v;
      std::memcpy(&v, p, 4);
      v &= kColorMask;
      ++col;
      p += 4;
      if (v == prev) {
        ++repeats;
        continue;
      }
      if (v == other) {
        other = prev;
        prev = v;
        continue;
      }
      other = prev;
      prev = v;
      if (!colors.Insert(v)) continue;
      ++distinct;
      if (distinct <= palette_limit) continue;
      scanned = uint64_t{row} * rect.width + col;
      if (distinct > runs_limit || repeats * 256 < scanned * limits.min_repeat_share) {
        return TileClass{TileKind::kPhoto, 0};
      }
    }
  }
  if (distinct == 1) return TileClass{TileKind::kSolid, first, 1};
  if (distinct > palette_limit) {
    // Judge the repeat share over the whole tile, not just the prefix seen at the limit.
    scanned = rect.area();
    if (repeats * 256 < scanned * limits.min_repeat_share) return TileClass{TileKind::kPhoto, 0};
  }
  return TileClass{TileKind::kLossless, 0, distinct};
}

}  // namespace tether::agent
