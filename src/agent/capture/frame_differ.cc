#include "agent/capture/frame_differ.h"

#include <algorithm>
#include <cstring>

namespace tether::agent {

void CopyAndDiff(const uint8_t* src, uint32_t src_stride, const Rect& area, uint8_t* dst,
                 uint32_t dst_stride, std::vector<Rect>* changed) {
  if (area.empty()) return;
  const int64_t area_right = area.right();
  const int64_t area_bottom = area.bottom();
  const int64_t first_col = area.x / kDamageGrid;
  const int64_t last_col = (area_right - 1) / kDamageGrid;
  const size_t cols = static_cast<size_t>(last_col - first_col + 1);
  // Per tile column of the current band: first and last changed row (-1: none yet).
  int64_t first_row[64], last_row[64];
  std::vector<int64_t> big_first, big_last;
  int64_t* firsts = first_row;
  int64_t* lasts = last_row;
  if (cols > 64) {
    big_first.resize(cols);
    big_last.resize(cols);
    firsts = big_first.data();
    lasts = big_last.data();
  }
  for (int64_t band_top = area.y; band_top < area_bottom;) {
    const int64_t band_bottom =
        std::min<int64_t>(area_bottom, (band_top / kDamageGrid + 1) * kDamageGrid);
    std::fill(firsts, firsts + cols, -1);
    for (int64_t y = band_top; y < band_bottom; ++y) {
      const uint8_t* s = src + size_t(y - area.y) * src_stride;
      uint8_t* d = dst + size_t(y) * dst_stride + size_t(area.x) * 4;
      for (size_t c = 0; c < cols; ++c) {
        const int64_t left = std::max<int64_t>(area.x, (first_col + int64_t(c)) * kDamageGrid);
        const int64_t right = std::min<int64_t>(area_right, (first_col + int64_t(c) + 1) * kDamageGrid);
        const size_t offset = size_t(left - area.x) * 4;
        const size_t bytes = size_t(right - left) * 4;
        if (std::memcmp(s + offset, d + offset, bytes) != 0) {
          std::memcpy(d + offset, s + offset, bytes);
          if (firsts[c] < 0) firsts[c] = y;
          lasts[c] = y;
        }
      }
    }
    for (size_t c = 0; c < cols; ++c) {
      if (firsts[c] < 0) continue;
      const int64_t left = std::max<int64_t>(area.x, (first_col + int64_t(c)) * kDamageGrid);
      const int64_t right = std::min<int64_t>(area_right, (first_col + int64_t(c) + 1) * kDamageGrid);
      changed->push_back(Rect{static_cast<int32_t>(left), static_cast<int32_t>(firsts[c]),
                              static_cast<uint32_t>(right - left),
                              static_cast<uint32_t>(lasts[c] - firsts[c] + 1)});
    }
    band_top = band_bottom;
  }
}

}  // namespace tether::agent
