// Real-X tests of the X11 capturer: a private Xvfb per test, drawn on with Xlib and xterm.
#include "agent/capture/x11_screen_capturer_x11.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "agent/codec/frame_encoder.h"
#include "testing/xvfb.h"

// X11 last: Xlib's `#define Status int` would hide tether::Status.
#include <X11/Xlib.h>
#include <X11/cursorfont.h>
#include <X11/extensions/Xrandr.h>

#include "agent/capture/x11_error_trap_x11.h"
#undef Status

namespace tether::agent {
namespace {

using namespace std::chrono_literals;

uint32_t PixelAt(const CapturedFrame& f, uint32_t x, uint32_t y) {
  uint32_t v;
  std::memcpy(&v, f.pixels + size_t{y} * f.stride + size_t{x} * 4, 4);
  return v & 0x00ffffff;
}

bool Covers(const std::vector<Rect>& damage, const Rect& r) {
  std::vector<Rect> pieces;
  for (const Rect& d : damage) pieces.push_back(Intersect(d, r));
  return UnionArea(pieces) == r.area();
}

class X11CaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(xvfb_.Start(1280, 800)) << xvfb_.error();
    display_ = XOpenDisplay(xvfb_.display().c_str());
    ASSERT_NE(display_, nullptr) << "cannot connect to " << xvfb_.display();
    X11ErrorTrap::Watch(display_);  // survive the server going away in the last test
    root_ = DefaultRootWindow(display_);
    // A known background instead of Xvfb's root weave.
    MakeWindow(Rect{0, 0, 1280, 800}, 0x202020);
  }
  void TearDown() override {
    capturer_.reset();
    if (display_) {
      X11ErrorTrap::Close(display_);
    }
  }

  // An override-redirect window filled with `rgb`, mapped and drawn.
  ::Window MakeWindow(const Rect& r, uint32_t rgb) {
    XSetWindowAttributes attrs{};
    attrs.override_redirect = True;
    attrs.background_pixel = rgb;
    ::Window w = XCreateWindow(display_, root_, r.x, r.y, r.width, r.height, 0, CopyFromParent,
                               InputOutput, CopyFromParent, CWOverrideRedirect | CWBackPixel, &attrs);
    XMapRaised(display_, w);
    XSync(display_, False);
    return w;
  }

  void Create(X11CaptureOptions options = {}) {
    options.display = xvfb_.display();
    Status error;
    capturer_ = CreateX11ScreenCapturer(options, &error);
    ASSERT_NE(capturer_, nullptr) << error.error().message;
    ASSERT_TRUE(error.ok());
  }

  // Captures until the damage is not empty (the server's events reach the capturer's
  // connection asynchronously), at most two seconds.
  const CapturedFrame* CaptureChange() {
    for (int i = 0; i < 200; ++i) {
      auto frame = capturer_->Capture();
      EXPECT_TRUE(frame.ok()) << frame.error().message;
      if (!frame.ok()) return nullptr;
      if (!(*frame)->damage.empty()) return *frame;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "no damage reported";
    return nullptr;
  }

  void CheckXtermTextIsLossless(bool antialiased);

  void MoveWindowAndCheckDamage() {
    ::Window w = MakeWindow(Rect{100, 100, 200, 150}, 0xff0000);
    auto first = capturer_->Capture();
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE((*first)->full());
    EXPECT_EQ(PixelAt(**first, 150, 150), 0xff0000u);
    EXPECT_EQ(PixelAt(**first, 50, 50), 0x202020u);
    auto idle = capturer_->Capture();
    ASSERT_TRUE(idle.ok());
    EXPECT_TRUE((*idle)->damage.empty());

    XMoveWindow(display_, w, 600, 400);
    XSync(display_, False);
    const CapturedFrame* moved = CaptureChange();
    ASSERT_NE(moved, nullptr);
    // Both where the window was and where it is now, and not the whole screen.
    std::vector<Rect> damage = moved->damage;
    for (int i = 0; i < 20 && !(Covers(damage, Rect{100, 100, 200, 150}) &&
                                Covers(damage, Rect{600, 400, 200, 150}));
         ++i) {
      std::this_thread::sleep_for(10ms);
      auto more = capturer_->Capture();
      ASSERT_TRUE(more.ok());
      damage.insert(damage.end(), (*more)->damage.begin(), (*more)->damage.end());
    }
    EXPECT_TRUE(Covers(damage, Rect{100, 100, 200, 150}));
    EXPECT_TRUE(Covers(damage, Rect{600, 400, 200, 150}));
    EXPECT_LT(UnionArea(damage), 1280u * 800 / 4);
    auto now = capturer_->Capture();
    ASSERT_TRUE(now.ok());
    EXPECT_EQ(PixelAt(**now, 150, 150), 0x202020u);
    EXPECT_EQ(PixelAt(**now, 650, 450), 0xff0000u);
  }

  testing::Xvfb xvfb_;
  Display* display_ = nullptr;
  ::Window root_ = 0;
  std::unique_ptr<ScreenCapturer> capturer_;
};

TEST_F(X11CaptureTest, ReportsTheScreenAsOneMonitor) {
  Create();
  auto monitors = capturer_->Monitors();
  ASSERT_TRUE(monitors.ok());
  ASSERT_GE(monitors->size(), 1u);
  EXPECT_EQ((*monitors)[0].width, 1280u);
  EXPECT_EQ((*monitors)[0].height, 800u);
  EXPECT_TRUE((*monitors)[0].primary);
  EXPECT_EQ(capturer_->Selected().width, 1280u);
}

TEST_F(X11CaptureTest, ShmAndDamageCapturePixelsAndMovedWindow) {
  Create();
  MoveWindowAndCheckDamage();
}

TEST_F(X11CaptureTest, FallbacksWithoutShmOrDamageGiveTheSameResult) {
  X11CaptureOptions options;
  options.use_shm = false;
  options.use_damage = false;
  Create(options);
  MoveWindowAndCheckDamage();
}

TEST_F(X11CaptureTest, RedrawOfIdenticalPixelsIsNotReported) {
  Create();
  ::Window w = MakeWindow(Rect{10, 10, 100, 100}, 0x00ff00);
  ASSERT_TRUE(capturer_->Capture().ok());
  XClearWindow(display_, w);  // redraws the same background
  XSync(display_, False);
  std::this_thread::sleep_for(50ms);
  auto frame = capturer_->Capture();
  ASSERT_TRUE(frame.ok());
  EXPECT_TRUE((*frame)->damage.empty());
}

TEST_F(X11CaptureTest, SelectsOneOfTwoMonitorsAndFollowsLayoutChanges) {
  Create();
  EXPECT_FALSE(capturer_->LayoutChanged());
  // Two RandR 1.5 monitors side by side; they live as long as this test's connection.
  const char* names[] = {"TETHER-LEFT", "TETHER-RIGHT"};
  for (int i = 0; i < 2; ++i) {
    XRRMonitorInfo* m = XRRAllocateMonitor(display_, 0);
    m->name = XInternAtom(display_, names[i], False);
    m->x = i * 640;
    m->y = 0;
    m->width = 640;
    m->height = 800;
    m->mwidth = 170;
    m->mheight = 210;
    m->primary = i == 0;
    XRRSetMonitor(display_, root_, m);
    XRRFreeMonitors(m);
  }
  XSync(display_, False);
  bool changed = false;
  for (int i = 0; i < 300 && !changed; ++i) {  // events, or the once-a-second comparison
    changed = capturer_->LayoutChanged();
    if (!changed) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(changed);
  auto monitors = capturer_->Monitors();
  ASSERT_TRUE(monitors.ok());
  const MonitorInfo* right = nullptr;
  for (const MonitorInfo& m : *monitors) {
    if (m.name == "TETHER-RIGHT") right = &m;
  }
  ASSERT_NE(right, nullptr);
  EXPECT_EQ(right->x, 640);
  EXPECT_EQ(right->width, 640u);
  ASSERT_TRUE(capturer_->Select(right->id).ok());
  MakeWindow(Rect{700, 100, 50, 50}, 0x0000ff);
  auto frame = capturer_->Capture();
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ((*frame)->width, 640u);
  EXPECT_TRUE((*frame)->full());
  EXPECT_EQ(PixelAt(**frame, 60 + 25, 100 + 25), 0x0000ffu);
  XWarpPointer(display_, None, root_, 0, 0, 0, 0, 700, 300);
  XSync(display_, False);
  CursorState cursor = capturer_->Cursor();
  EXPECT_TRUE(cursor.visible);
  EXPECT_EQ(cursor.x, 60);
  EXPECT_EQ(cursor.y, 300);
  XWarpPointer(display_, None, root_, 0, 0, 0, 0, 10, 10);
  XSync(display_, False);
  EXPECT_FALSE(capturer_->Cursor().visible);
  ASSERT_TRUE(capturer_->Select(kAllMonitors).ok());
  EXPECT_EQ((*capturer_->Capture())->width, 1280u);
}

TEST_F(X11CaptureTest, CursorImageComesOncePerShape) {
  Create();
  auto image = capturer_->CursorImageIfChanged();
  ASSERT_TRUE(image.has_value());
  EXPECT_GT(image->width, 0u);
  EXPECT_EQ(image->rgba.size(), size_t{image->width} * image->height * 4);
  EXPECT_FALSE(capturer_->CursorImageIfChanged().has_value());
  // A window with a hand cursor under the pointer changes the shape.
  ::Window w = MakeWindow(Rect{300, 300, 100, 100}, 0xffffff);
  XDefineCursor(display_, w, XCreateFontCursor(display_, XC_hand2));
  XWarpPointer(display_, None, root_, 0, 0, 0, 0, 350, 350);
  XSync(display_, False);
  std::optional<CursorImage> hand;
  for (int i = 0; i < 100 && !hand; ++i) {
    hand = capturer_->CursorImageIfChanged();
    if (!hand) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(hand.has_value());
  EXPECT_NE(hand->serial, image->serial);
  // Straight alpha: transparent pixels are all zero; opaque ones exist.
  bool opaque = false;
  for (size_t i = 0; i < hand->rgba.size(); i += 4) {
    if (hand->rgba[i + 3] == 0) {
      EXPECT_EQ(hand->rgba[i] | hand->rgba[i + 1] | hand->rgba[i + 2], 0);
    }
    opaque |= hand->rgba[i + 3] == 255;
  }
  EXPECT_TRUE(opaque);
}

// Starts an xterm showing a few lines of text, waits until they are drawn and checks that a
// key frame of the screen has no JPEG tile: text must reach the viewer losslessly.
void X11CaptureTest::CheckXtermTextIsLossless(bool antialiased) {
  Create();
  ASSERT_TRUE(capturer_->Capture().ok());
  {
    std::vector<std::string> argv = {"xterm", "-geometry", "80x20+0+0", "-bg", "white", "-fg",
                                     "black"};
    if (antialiased) argv.insert(argv.end(), {"-fa", "DejaVu Sans Mono", "-fs", "11"});
    argv.insert(argv.end(), {"-e", "sh", "-c",
                             "printf 'The quick brown fox jumps over the lazy dog 0123456789\\n"
                             "$ ls -l /usr/share/doc | head\\n'; sleep 60"});
    testing::ChildProcess xterm;
    ASSERT_TRUE(xterm.Start(argv, {"DISPLAY=" + xvfb_.display()})) << "xterm is not installed";
    // Wait until the text is on screen (black pixels in its first lines), then until the
    // damage settles.
    bool drawn = false;
    int quiet = 0;
    for (int i = 0; i < 1000 && !(drawn && quiet >= 20); ++i) {
      auto frame = capturer_->Capture();
      ASSERT_TRUE(frame.ok());
      quiet = (*frame)->damage.empty() ? quiet + 1 : 0;
      if (!drawn) {
        int dark = 0;
        for (uint32_t y = 0; y < 40; ++y) {
          for (uint32_t x = 0; x < 400; ++x) dark += PixelAt(**frame, x, y) == 0;  // -fg black
        }
        drawn = dark > 100;
      }
      std::this_thread::sleep_for(10ms);
    }
    ASSERT_TRUE(drawn) << "xterm drew no text within 10 s";
    capturer_->ForceFull();
    auto frame = capturer_->Capture();
    ASSERT_TRUE(frame.ok());
    RealClock clock;
    FrameEncoder encoder(clock);
    tether::v1::VideoFrame out;
    ASSERT_TRUE(encoder.Encode(**frame, 0, &out).ok());
    EXPECT_TRUE(out.key_frame());
    EXPECT_EQ(encoder.last_stats().jpeg_tiles, 0u) << (antialiased ? "anti-aliased" : "bitmap");
    EXPECT_GT(encoder.last_stats().palette_tiles, 0u) << "text is sent as palettes";
  }
}

TEST_F(X11CaptureTest, XtermBitmapFontTextIsEncodedLosslessly) { CheckXtermTextIsLossless(false); }

TEST_F(X11CaptureTest, XtermAntialiasedTextIsEncodedLosslessly) { CheckXtermTextIsLossless(true); }

TEST_F(X11CaptureTest, LosingTheServerIsAnErrorNotACrash) {
  Create();
  ASSERT_TRUE(capturer_->Capture().ok());
  xvfb_.Stop();
  bool failed = false;
  for (int i = 0; i < 50 && !failed; ++i) {
    capturer_->ForceFull();
    auto frame = capturer_->Capture();
    if (!frame.ok()) {
      failed = true;
      EXPECT_EQ(frame.error().code, "display_lost");
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(failed);
  EXPECT_FALSE(capturer_->Monitors().ok());
  EXPECT_FALSE(capturer_->Cursor().visible);
  capturer_.reset();
  // Our own test connection is dead too; closing it must not exit either.
}

TEST(X11CaptureErrors, MissingDisplayIsReported) {
  Status error;
  auto capturer = CreateX11ScreenCapturer(":987", &error);
  EXPECT_EQ(capturer, nullptr);
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(error.error().code, "display_unavailable");
}

}  // namespace
}  // namespace tether::agent
