#pragma once
// CopyAndDiff: brings a persistent frame buffer up to date from a freshly grabbed rectangle and
// reports which parts really changed, so that redraws of identical pixels cost nothing
// downstream. Pure function; used by the X11 capturer for every grab.
#include <cstdint>
#include <vector>

#include "agent/capture/geometry.h"

namespace tether::agent {

// `src` holds the pixels of `area` (frame coordinates, 32 bpp, src_stride bytes per row);
// `dst` is the whole frame (dst_stride bytes per row) and must contain `area`. Rows of `area`
// that differ are copied into dst. For each kDamageGrid x kDamageGrid tile of the frame grid
// that changed, appends (tile ∩ area) narrowed to its first..last changed row to *changed.
// Byte 3 of each pixel (padding in BGRX) is compared as well, so grabs must keep it stable.
void CopyAndDiff(const uint8_t* src, uint32_t src_stride, const Rect& area, uint8_t* dst,
                 uint32_t dst_stride, std::vector<Rect>* changed);

}  // namespace tether::agent
