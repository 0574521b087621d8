#include "agent/capture/fake_screen_capturer.h"

#include <gtest/gtest.h>

#include <cstring>

namespace tether::agent {
namespace {

uint32_t PixelOf(const CapturedFrame& f, uint32_t x, uint32_t y) {
  uint32_t v;
  std::memcpy(&v, f.pixels + y * f.stride + x * 4, 4);
  return v;
}

TEST(FakeScreenCapturer, FirstFrameFullThenOnlyDamage) {
  FakeScreenCapturer capturer;
  auto first = capturer.Capture();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE((*first)->full());
  auto idle = capturer.Capture();
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE((*idle)->damage.empty());
  capturer.Fill(Rect{10, 20, 30, 40}, 0x00ff0000);
  auto frame = capturer.Capture();
  ASSERT_TRUE(frame.ok());
  ASSERT_EQ((*frame)->damage.size(), 1u);
  EXPECT_EQ((*frame)->damage[0], (Rect{10, 20, 30, 40}));
  EXPECT_EQ(PixelOf(**frame, 10, 20), 0x00ff0000u);
  EXPECT_EQ(PixelOf(**frame, 9, 20), 0u);
  capturer.ForceFull();
  EXPECT_TRUE((*capturer.Capture())->full());
}

TEST(FakeScreenCapturer, TwoMonitorsSelectAndOffsets) {
  FakeScreenCapturer capturer({MonitorInfo{0, 0, 0, 100, 80, true, "A"},
                               MonitorInfo{1, 100, 0, 60, 50, false, "B"}});
  auto monitors = capturer.Monitors();
  ASSERT_TRUE(monitors.ok());
  EXPECT_EQ(monitors->size(), 2u);
  ASSERT_TRUE(capturer.Select(1).ok());
  EXPECT_FALSE(capturer.Select(7).ok());
  ASSERT_TRUE(capturer.Capture().ok());
  capturer.Fill(Rect{90, 10, 20, 5}, 0x123456);  // straddles both monitors
  auto frame = capturer.Capture();
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ((*frame)->width, 60u);
  ASSERT_EQ((*frame)->damage.size(), 1u);
  EXPECT_EQ((*frame)->damage[0], (Rect{0, 10, 10, 5}));
  EXPECT_EQ(PixelOf(**frame, 0, 10), 0x123456u);
  capturer.SetPointer(120, 30);
  EXPECT_EQ(capturer.Cursor().x, 20);
  EXPECT_TRUE(capturer.Cursor().visible);
  capturer.SetPointer(20, 30);
  EXPECT_FALSE(capturer.Cursor().visible);
  ASSERT_TRUE(capturer.Select(kAllMonitors).ok());
  EXPECT_EQ((*capturer.Capture())->width, 160u);
}

TEST(FakeScreenCapturer, CursorLayoutAndFailures) {
  FakeScreenCapturer capturer;
  EXPECT_FALSE(capturer.CursorImageIfChanged());
  capturer.SetCursorImage(CursorImage{5, 1, 1, 0, 0, {1, 2, 3, 4}});
  EXPECT_TRUE(capturer.CursorImageIfChanged());
  EXPECT_FALSE(capturer.CursorImageIfChanged());
  capturer.SetCursorImage(CursorImage{6, 1, 1, 0, 0, {1, 2, 3, 4}});
  EXPECT_EQ(capturer.CursorImageIfChanged()->serial, 6u);
  EXPECT_FALSE(capturer.LayoutChanged());
  capturer.SetMonitors({MonitorInfo{0, 0, 0, 320, 200, true, "small"}});
  EXPECT_TRUE(capturer.LayoutChanged());
  EXPECT_FALSE(capturer.LayoutChanged());
  auto frame = capturer.Capture();
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ((*frame)->width, 320u);
  EXPECT_TRUE((*frame)->full());
  capturer.FailNextCapture(MakeError("display_lost", "gone"));
  auto failed = capturer.Capture();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "display_lost");
  EXPECT_TRUE(capturer.Capture().ok());
}

}  // namespace
}  // namespace tether::agent
