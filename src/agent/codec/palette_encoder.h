#pragma once
// PaletteEncoder: lossless tiles with few colours (text, user interface) as
// CODEC_PALETTE_DEFLATE: a palette of up to 256 RGBA entries, then one index per pixel packed
// at 1, 2, 4 or 8 bits, rows byte-aligned, compressed as one zlib (RFC 1950) stream; the byte
// layout is in docs/protocol.md, section 3.2, "Tile payloads". Its scan also classifies the
// tile, so the frame encoder reads each pixel once. Keeps its colour map, buffers and zlib
// stream across tiles: encoding allocates nothing once they have grown. One thread at a time.
#include <cstdint>
#include <string>
#include <vector>

#include "agent/capture/geometry.h"
#include "agent/codec/tile_classifier.h"
#include "agent/codec/zlib_stream.h"
#include "base/result.h"

namespace tether::agent {

inline constexpr uint32_t kMaxPaletteColors = 256;

// Bits per index for a palette of `colors` entries (1..256): 1, 2, 4 or 8.
uint32_t PaletteIndexBits(uint32_t colors);

// Bytes of one packed row of `width` indices at `bits` per index.
inline uint32_t PaletteRowBytes(uint32_t width, uint32_t bits) { return (width * bits + 7) / 8; }

// Whether a tile of `colors` colours is worth sending as a palette rather than as deflated
// RGBA: the palette and the packed indices must be smaller than the raw RGBA. Compares the
// sizes before compression, which is exact enough to rule out the tiles (a few pixels, nearly
// all different) where the palette itself is the bulk of the payload.
bool PaletteIsSmaller(uint32_t colors, uint32_t width, uint32_t height);

// The zlib settings chosen with bench/encoder.sh --sweep: Z_RLE compresses the indices of
// anti-aliased text smaller and faster than level 1 (and costs a few per cent on bitmap text).
inline constexpr ZlibParams kPaletteZlib{
    .level = 1, .mem_level = 8, .strategy = ZlibStrategy::kRle};

class PaletteEncoder {
 public:
  explicit PaletteEncoder(ZlibParams zlib = kPaletteZlib);

  // Classifies `rect` (frame coordinates) of a 32 bpp BGRX frame with `stride` bytes per row
  // exactly as ClassifyTile(pixels, stride, rect, limits) does, except that a tile of more
  // than 256 colours is never lossless, and in the same pass maps it to palette indices:
  // unless the result is kPhoto, Write() then encodes this tile. One pass instead of two.
  TileClass Scan(const uint8_t* pixels, uint32_t stride, const Rect& rect,
                 const ClassifierLimits& limits = {});

  // Replaces *out with the CODEC_PALETTE_DEFLATE payload of the tile of the last Scan(),
  // which must not have been kPhoto.
  Status Write(std::string* out);

  // Scan() and Write() for any tile: false, leaving *out unspecified, when `rect` has more
  // than `max_colors` (1..256) colours.
  Result<bool> Encode(const uint8_t* pixels, uint32_t stride, const Rect& rect,
                      std::string* out, uint32_t max_colors = kMaxPaletteColors);

  // Colours of the last Scan(), in palette order (complete unless it was kPhoto).
  uint32_t colors() const { return count_; }

 private:
  static constexpr uint32_t kSlots = 1024;  // open-addressed colour map, at most 1/4 full
  static constexpr uint32_t kEmpty = 0xffffffff;  // never a 24-bit colour

  // The index of colour c, adding it when new (*added); kEmpty when that would make more
  // than `limit` colours.
  uint32_t Lookup(uint32_t c, uint32_t limit, bool* added);
  void ClearMap();
  // Packs indices_ at `bits` per index into packed_, rows byte-aligned.
  void Pack(uint32_t bits);

  ZlibStream zlib_;
  uint32_t keys_[kSlots];
  uint8_t values_[kSlots];
  uint32_t palette_[kMaxPaletteColors];  // 24-bit colours (BGRX with byte 3 cleared)
  uint16_t used_slots_[kMaxPaletteColors];
  uint32_t count_ = 0;
  uint32_t width_ = 0;   // of the tile in indices_, when ready_
  uint32_t height_ = 0;
  bool ready_ = false;
  std::vector<uint8_t> indices_;  // one byte per pixel, rows of width_
  std::vector<uint8_t> packed_;
};

}  // namespace tether::agent
