#include "agent/capture/geometry.h"

#include <algorithm>
#include <limits>

namespace tether::agent {
namespace {

Rect FromEdges(int64_t left, int64_t top, int64_t right, int64_t bottom) {
  if (right <= left || bottom <= top) return Rect{};
  return Rect{static_cast<int32_t>(left), static_cast<int32_t>(top),
              static_cast<uint32_t>(right - left), static_cast<uint32_t>(bottom - top)};
}

void RemoveContained(std::vector<Rect>& rects) {
  // Sort largest first so that a rectangle is only ever tested against larger ones.
  std::sort(rects.begin(), rects.end(),
            [](const Rect& a, const Rect& b) { return a.area() > b.area(); });
  size_t kept = 0;
  for (size_t i = 0; i < rects.size(); ++i) {
    bool contained = false;
    for (size_t j = 0; j < kept && !contained; ++j) contained = Contains(rects[j], rects[i]);
    if (!contained) rects[kept++] = rects[i];
  }
  rects.resize(kept);
}

// Replaces the list by grid-aligned rectangles covering the same grid cells: runs of cells per
// grid row, stacked vertically while the run below has the same horizontal extent.
void SnapToGrid(std::vector<Rect>& rects, const Rect& bounds) {
  const uint32_t cols = (bounds.width + kDamageGrid - 1) / kDamageGrid;
  const uint32_t rows = (bounds.height + kDamageGrid - 1) / kDamageGrid;
  std::vector<uint8_t> cells(size_t{cols} * rows, 0);
  for (const Rect& r : rects) {
    const uint32_t c0 = static_cast<uint32_t>(r.x - bounds.x) / kDamageGrid;
    const uint32_t c1 = static_cast<uint32_t>(r.right() - 1 - bounds.x) / kDamageGrid;
    const uint32_t r0 = static_cast<uint32_t>(r.y - bounds.y) / kDamageGrid;
    const uint32_t r1 = static_cast<uint32_t>(r.bottom() - 1 - bounds.y) / kDamageGrid;
    for (uint32_t row = r0; row <= r1; ++row) {
      std::fill(cells.begin() + size_t{row} * cols + c0, cells.begin() + size_t{row} * cols + c1 + 1, 1);
    }
  }
  rects.clear();
  // open[i]: index into rects of a run ending at the previous row, keyed by its start column.
  std::vector<int> open(cols, -1), next_open(cols, -1);
  for (uint32_t row = 0; row < rows; ++row) {
    std::fill(next_open.begin(), next_open.end(), -1);
    for (uint32_t c = 0; c < cols;) {
      if (!cells[size_t{row} * cols + c]) { ++c; continue; }
      uint32_t end = c;
      while (end < cols && cells[size_t{row} * cols + end]) ++end;
      const Rect cell_run = Intersect(
          bounds, Rect{bounds.x + static_cast<int32_t>(c * kDamageGrid),
                       bounds.y + static_cast<int32_t>(row * kDamageGrid),
                       (end - c) * kDamageGrid, kDamageGrid});
      const int prev = open[c];
      if (prev >= 0 && rects[prev].x == cell_run.x && rects[prev].width == cell_run.width) {
        rects[prev].height += cell_run.height;
        next_open[c] = prev;
      } else {
        rects.push_back(cell_run);
        next_open[c] = static_cast<int>(rects.size() - 1);
      }
      c = end;
    }
    open.swap(next_open);
  }
}

// Merges the pair whose bounding box adds the least uncovered area until few enough remain.
void MergeCheapestPairs(std::vector<Rect>& rects, size_t max_rects) {
  while (rects.size() > max_rects) {
    size_t best_i = 0, best_j = 1;
    int64_t best_waste = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < rects.size(); ++i) {
      for (size_t j = i + 1; j < rects.size(); ++j) {
        const int64_t waste = static_cast<int64_t>(Bounding(rects[i], rects[j]).area()) -
                              static_cast<int64_t>(rects[i].area() + rects[j].area());
        if (waste < best_waste) { best_waste = waste; best_i = i; best_j = j; }
      }
    }
    rects[best_i] = Bounding(rects[best_i], rects[best_j]);
    rects[best_j] = rects.back();
    rects.pop_back();
  }
}

}  // namespace

Rect Intersect(const Rect& a, const Rect& b) {
  return FromEdges(std::max<int64_t>(a.x, b.x), std::max<int64_t>(a.y, b.y),
                   std::min(a.right(), b.right()), std::min(a.bottom(), b.bottom()));
}

Rect Bounding(const Rect& a, const Rect& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return FromEdges(std::min<int64_t>(a.x, b.x), std::min<int64_t>(a.y, b.y),
                   std::max(a.right(), b.right()), std::max(a.bottom(), b.bottom()));
}

bool Contains(const Rect& outer, const Rect& inner) {
  if (inner.empty()) return true;
  return inner.x >= outer.x && inner.y >= outer.y && inner.right() <= outer.right() &&
         inner.bottom() <= outer.bottom();
}

bool Overlaps(const Rect& a, const Rect& b) { return !Intersect(a, b).empty(); }

Rect Translate(const Rect& r, int32_t dx, int32_t dy) {
  return Rect{r.x + dx, r.y + dy, r.width, r.height};
}

void NormalizeDamage(std::vector<Rect>& rects, const Rect& bounds, size_t max_rects) {
  max_rects = std::max<size_t>(max_rects, 1);
  size_t kept = 0;
  for (const Rect& r : rects) {
    const Rect clipped = Intersect(r, bounds);
    if (!clipped.empty()) rects[kept++] = clipped;
  }
  rects.resize(kept);
  if (rects.size() <= 1) return;
  if (rects.size() > 4 * max_rects) SnapToGrid(rects, bounds);
  RemoveContained(rects);
  if (rects.size() > max_rects) SnapToGrid(rects, bounds);
  MergeCheapestPairs(rects, max_rects);
}

uint64_t UnionArea(const std::vector<Rect>& rects) {
  std::vector<int64_t> xs;
  for (const Rect& r : rects) {
    if (r.empty()) continue;
    xs.push_back(r.x);
    xs.push_back(r.right());
  }
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  uint64_t total = 0;
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (size_t i = 0; i + 1 < xs.size(); ++i) {
    spans.clear();
    for (const Rect& r : rects) {
      if (!r.empty() && r.x <= xs[i] && r.right() >= xs[i + 1]) spans.emplace_back(r.y, r.bottom());
    }
    std::sort(spans.begin(), spans.end());
    int64_t covered = 0, end = std::numeric_limits<int64_t>::min();
    for (auto [top, bottom] : spans) {
      if (top > end) { covered += bottom - top; end = bottom; }
      else if (bottom > end) { covered += bottom - end; end = bottom; }
    }
    total += static_cast<uint64_t>(covered) * static_cast<uint64_t>(xs[i + 1] - xs[i]);
  }
  return total;
}

}  // namespace tether::agent
