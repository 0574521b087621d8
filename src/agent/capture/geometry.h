#pragma once
// Screen geometry shared by capture, codec and input: rectangles, monitors and the damage-list
// helpers that keep a frame's changed regions clipped, merged and bounded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tether::agent {

// A pixel rectangle. Frame damage uses monitor coordinates (0,0 = the monitor's top-left).
struct Rect {
  int32_t x = 0;
  int32_t y = 0;
  uint32_t width = 0;
  uint32_t height = 0;

  bool empty() const { return width == 0 || height == 0; }
  int64_t right() const { return int64_t{x} + width; }    // exclusive
  int64_t bottom() const { return int64_t{y} + height; }  // exclusive
  uint64_t area() const { return uint64_t{width} * height; }
  bool operator==(const Rect&) const = default;
};

// One monitor of the guest's desktop, in root-window (virtual screen) coordinates.
struct MonitorInfo {
  uint32_t id = 0;
  int32_t x = 0;
  int32_t y = 0;
  uint32_t width = 0;
  uint32_t height = 0;
  bool primary = false;
  std::string name;

  Rect bounds() const { return Rect{x, y, width, height}; }
  bool operator==(const MonitorInfo&) const = default;
};

// The overlap of a and b (empty when they do not overlap).
Rect Intersect(const Rect& a, const Rect& b);
// The smallest rectangle containing both (an empty operand is ignored).
Rect Bounding(const Rect& a, const Rect& b);
bool Contains(const Rect& outer, const Rect& inner);
bool Overlaps(const Rect& a, const Rect& b);
// r moved by (dx, dy).
Rect Translate(const Rect& r, int32_t dx, int32_t dy);

// Grid size used to coarsen long damage lists (and by the encoder's tiles).
inline constexpr uint32_t kDamageGrid = 64;
// Default bound on the number of rectangles in a frame's damage list.
inline constexpr size_t kMaxDamageRects = 64;

// Clips every rectangle to `bounds`, drops empty and contained ones, and bounds the list to
// `max_rects` (>= 1) by snapping to the kDamageGrid grid (aligned to bounds.x/bounds.y) and
// then merging the pairs that waste least area. The union never shrinks: every pixel of the
// input inside `bounds` stays covered.
void NormalizeDamage(std::vector<Rect>& rects, const Rect& bounds,
                     size_t max_rects = kMaxDamageRects);

// Total area of the union of rects (for tests and statistics; O(n^2 log n), n is small).
uint64_t UnionArea(const std::vector<Rect>& rects);

}  // namespace tether::agent
