// The agent's thumbnails: fitted into the asked box with the aspect kept, averaged (a box
// filter, so a two-colour screen keeps its colours), a real JPEG within the size bound.
#include "agent/codec/thumbnail_maker.h"

#include <turbojpeg.h>

#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>

namespace tether::agent {
namespace {

TEST(ThumbnailMaker, FitsTheBoxKeepingTheAspect) {
  EXPECT_EQ(FitThumbnail(1920, 1080, 240, 240).width, 240u);
  EXPECT_EQ(FitThumbnail(1920, 1080, 240, 240).height, 135u);
  EXPECT_EQ(FitThumbnail(1080, 1920, 240, 240).width, 135u);
  EXPECT_EQ(FitThumbnail(1080, 1920, 240, 240).height, 240u);
  EXPECT_EQ(FitThumbnail(100, 50, 240, 240).width, 100u) << "never scaled up";
  EXPECT_EQ(FitThumbnail(10000, 1, 240, 240).height, 1u);
  EXPECT_EQ(FitThumbnail(4000, 3000, 5000, 5000).width, kMaxThumbnailSide) << "the box is clamped";
  EXPECT_EQ(FitThumbnail(0, 100, 240, 240).width, 0u);
}

TEST(ThumbnailMaker, AveragesEachArea) {
  // 4x2: left half blue (BGRX 255,0,0), right half red; scaled to 2x1.
  std::vector<uint8_t> px;
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 4; ++x) {
      if (x < 2) px.insert(px.end(), {255, 0, 0, 0});
      else px.insert(px.end(), {0, 0, 255, 0});
    }
  }
  std::vector<uint8_t> out;
  DownscaleBgrx(px.data(), 16, 4, 2, {2, 1}, &out);
  ASSERT_EQ(out.size(), 8u);
  EXPECT_EQ(out[0], 255);
  EXPECT_EQ(out[2], 0);
  EXPECT_EQ(out[4], 0);
  EXPECT_EQ(out[6], 255);
  DownscaleBgrx(px.data(), 16, 4, 2, {1, 1}, &out);
  EXPECT_EQ(out[0], 128);
  EXPECT_EQ(out[2], 128);
}

TEST(ThumbnailMaker, MakesASmallJpegOfAFullHdScreen) {
  const uint32_t w = 1920, h = 1080;
  std::vector<uint8_t> px(size_t{w} * h * 4);
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      uint8_t* p = &px[(size_t{y} * w + x) * 4];
      p[0] = static_cast<uint8_t>(x * 7 ^ y * 3);  // busy content: a worst case for size
      p[1] = static_cast<uint8_t>(y);
      p[2] = x < w / 2 ? 200 : 20;
    }
  }
  CapturedFrame frame;
  frame.width = w;
  frame.height = h;
  frame.stride = w * 4;
  frame.pixels = px.data();
  ThumbnailMaker maker;
  v1::Thumbnail t;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(maker.Make(frame, 240, 240, &t));
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  std::printf("thumbnail of 1920x1080: %zu bytes in %lld us\n", t.jpeg().size(), static_cast<long long>(us.count()));
  EXPECT_EQ(t.width(), 240u);
  EXPECT_EQ(t.height(), 135u);
  EXPECT_LE(t.jpeg().size(), kMaxThumbnailJpegBytes);

  tjhandle d = tjInitDecompress();
  int jw = 0, jh = 0, sub = 0, cs = 0;
  ASSERT_EQ(tjDecompressHeader3(d, reinterpret_cast<const unsigned char*>(t.jpeg().data()), t.jpeg().size(), &jw,
                                &jh, &sub, &cs),
            0);
  EXPECT_EQ(jw, 240);
  EXPECT_EQ(jh, 135);
  tjDestroy(d);

  CapturedFrame empty;
  EXPECT_FALSE(maker.Make(empty, 240, 240, &t));
}

}  // namespace
}  // namespace tether::agent
