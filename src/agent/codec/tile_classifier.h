#pragma once
// ClassifyTile: decides how one tile of a BGRX frame is best sent — a single colour, lossless
// (UI, text: few colours or long runs) or JPEG (photographic); for the first two it counts the
// colours, so the encoder can choose a palette. One pass over the pixels at most, with an
// early exit as soon as the tile is clearly photographic. Pure function.
#include <cstdint>

#include "agent/capture/geometry.h"

namespace tether::agent {

enum class TileKind { kSolid, kLossless, kPhoto };

struct TileClass {
  TileKind kind = TileKind::kLossless;
  uint32_t solid_bgrx = 0;  // for kSolid: the colour, byte 3 cleared
  uint32_t colors = 0;      // for kSolid and kLossless: the number of distinct colours
};

struct ClassifierLimits {
  // A tile with at most this many distinct colours is lossless whatever its structure.
  uint32_t max_palette = 32;
  // Beyond max_palette, a tile stays lossless while at least this share (in 1/256) of its
  // pixels repeat their left neighbour (anti-aliased text on a flat background) and it has
  // at most max_runs_palette colours.
  uint32_t min_repeat_share = 128;
  uint32_t max_runs_palette = 256;
};

// `rect` is in the frame's coordinates; the frame is 32 bpp BGRX with `stride` bytes per row.
TileClass ClassifyTile(const uint8_t* pixels, uint32_t stride, const Rect& rect,
                       const ClassifierLimits& limits = {});

}  // namespace tether::agent
