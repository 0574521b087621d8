#include "agent/capture/geometry.h"

#include <gtest/gtest.h>

#include <random>

#include "agent/capture/frame_differ.h"

namespace tether::agent {
namespace {

TEST(Geometry, IntersectBoundingContains) {
  const Rect a{0, 0, 100, 50}, b{50, 25, 100, 100};
  EXPECT_EQ(Intersect(a, b), (Rect{50, 25, 50, 25}));
  EXPECT_TRUE(Intersect(a, Rect{100, 0, 10, 10}).empty());  // touching edges do not overlap
  EXPECT_EQ(Bounding(a, b), (Rect{0, 0, 150, 125}));
  EXPECT_EQ(Bounding(Rect{}, b), b);
  EXPECT_TRUE(Contains(a, Rect{10, 10, 90, 40}));
  EXPECT_FALSE(Contains(a, Rect{10, 10, 91, 40}));
  EXPECT_EQ(Translate(a, -5, 7), (Rect{-5, 7, 100, 50}));
  EXPECT_TRUE(Intersect(Rect{-10, -10, 5, 5}, a).empty());
}

TEST(Geometry, NormalizeClipsAndDropsContained) {
  std::vector<Rect> rects{{-10, -10, 20, 20}, {2, 2, 3, 3}, {90, 90, 50, 50}, {500, 500, 5, 5}};
  NormalizeDamage(rects, Rect{0, 0, 100, 100});
  EXPECT_EQ(UnionArea(rects), 10u * 10 + 10u * 10);
  for (const Rect& r : rects) EXPECT_TRUE(Contains(Rect{0, 0, 100, 100}, r));
  EXPECT_EQ(rects.size(), 2u);
}

TEST(Geometry, NormalizeBoundsTheListAndNeverLosesPixels) {
  std::minstd_rand rng(7);
  const Rect bounds{0, 0, 1920, 1080};
  for (size_t max_rects : {1u, 4u, 16u, 64u}) {
    std::vector<Rect> rects;
    for (int i = 0; i < 900; ++i) {
      rects.push_back(Rect{static_cast<int32_t>(rng() % 1920), static_cast<int32_t>(rng() % 1080),
                           static_cast<uint32_t>(1 + rng() % 40), static_cast<uint32_t>(1 + rng() % 20)});
    }
    std::vector<Rect> normalized = rects;
    NormalizeDamage(normalized, bounds, max_rects);
    EXPECT_LE(normalized.size(), max_rects);
    // Every original pixel inside the bounds is still covered.
    for (const Rect& r : rects) {
      const Rect clipped = Intersect(r, bounds);
      std::vector<Rect> pieces;
      for (const Rect& n : normalized) pieces.push_back(Intersect(n, clipped));
      EXPECT_EQ(UnionArea(pieces), clipped.area());
    }
  }
}

TEST(Geometry, UnionAreaCountsOverlapOnce) {
  EXPECT_EQ(UnionArea({{0, 0, 10, 10}, {5, 5, 10, 10}}), 175u);
  EXPECT_EQ(UnionArea({}), 0u);
}

TEST(FrameDiffer, ReportsOnlyChangedTilesAndRows) {
  const uint32_t w = 200, h = 150, stride = w * 4;
  std::vector<uint8_t> frame(stride * h, 0), grab(stride * h, 0);
  // Change two pixels: one at (70, 10) (tile column 1, row 0), one at (199, 149).
  grab[10 * stride + 70 * 4] = 1;
  grab[149 * stride + 199 * 4 + 2] = 9;
  std::vector<Rect> changed;
  CopyAndDiff(grab.data(), stride, Rect{0, 0, w, h}, frame.data(), stride, &changed);
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0], (Rect{64, 10, 64, 1}));
  EXPECT_EQ(changed[1], (Rect{192, 149, 8, 1}));
  EXPECT_EQ(frame, grab);
  changed.clear();
  CopyAndDiff(grab.data(), stride, Rect{0, 0, w, h}, frame.data(), stride, &changed);
  EXPECT_TRUE(changed.empty());
}

TEST(FrameDiffer, SubAreaUsesItsOwnStride) {
  const uint32_t w = 128, h = 128, stride = w * 4;
  std::vector<uint8_t> frame(stride * h, 0);
  const Rect area{60, 60, 10, 10};
  std::vector<uint8_t> grab(area.width * 4 * area.height, 0xff);
  std::vector<Rect> changed;
  CopyAndDiff(grab.data(), area.width * 4, area, frame.data(), stride, &changed);
  // The area straddles four tiles.
  EXPECT_EQ(changed.size(), 4u);
  EXPECT_EQ(UnionArea(changed), area.area());
  EXPECT_EQ(frame[65 * stride + 65 * 4], 0xff);
  EXPECT_EQ(frame[59 * stride + 59 * 4], 0);
  EXPECT_EQ(frame[70 * stride + 70 * 4], 0);
}

}  // namespace
}  // namespace tether::agent
