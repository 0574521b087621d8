#pragma once
// ScreenCapturer: the agent's view of the guest's screen, one selected monitor at a time.
// Implementations: X11ScreenCapturer (x11_screen_capturer_x11.h), FakeScreenCapturer (tests).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/capture/geometry.h"
#include "base/result.h"

namespace tether::agent {

// Select(kAllMonitors) captures the bounding box of every monitor (the whole root window).
inline constexpr uint32_t kAllMonitors = 0xffffffff;

// One captured image of the selected monitor. Owned by the capturer.
struct CapturedFrame {
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t stride = 0;            // bytes per row, >= width * 4
  const uint8_t* pixels = nullptr;  // BGRX, 32 bpp (byte 3 undefined); valid until the next
                                    // Capture(), Select() or destruction
  // Regions changed since the previous Capture(), in frame coordinates, clipped to the frame,
  // merged to at most kMaxDamageRects. The whole frame after Select(), ForceFull() or on the
  // first capture; empty when nothing changed.
  std::vector<Rect> damage;

  bool full() const {
    return damage.size() == 1 && damage[0] == Rect{0, 0, width, height};
  }
};

struct CursorImage {
  uint64_t serial = 0;  // changes whenever the image changes
  uint32_t width = 0;
  uint32_t height = 0;
  int32_t hot_x = 0;
  int32_t hot_y = 0;
  std::vector<uint8_t> rgba;  // width * height * 4, straight (not premultiplied) alpha
};

struct CursorState {
  int32_t x = 0;  // relative to the selected monitor's top-left corner
  int32_t y = 0;
  bool visible = false;  // false when the pointer is outside the selected monitor
};

// Not thread-safe: one thread (the agent's capture thread) makes every call.
class ScreenCapturer {
 public:
  virtual ~ScreenCapturer() = default;

  // The current monitor layout (ids are stable while the layout does not change).
  virtual Result<std::vector<MonitorInfo>> Monitors() = 0;
  // Chooses the monitor that Capture() grabs (kAllMonitors: all). The next frame is full.
  virtual Status Select(uint32_t monitor_id) = 0;
  // Grabs the selected monitor. The frame is owned by the capturer and valid until the next
  // call; with nothing changed it has empty damage (and may not have been re-read).
  virtual Result<const CapturedFrame*> Capture() = 0;
  // The next Capture() reports the whole frame as damaged (a viewer needs a key frame).
  virtual void ForceFull() = 0;
  // The cursor image when it changed since the last call (or on the first call).
  virtual std::optional<CursorImage> CursorImageIfChanged() = 0;
  // Pointer position relative to the selected monitor.
  virtual CursorState Cursor() = 0;
  // True once after the monitor layout changed (resolution, monitors added or removed). The
  // caller then reads Monitors() again and re-selects; until then Capture() keeps going on
  // the selected monitor's new geometry (or the primary one if it disappeared).
  virtual bool LayoutChanged() = 0;
  // The monitor the frames come from (kAllMonitors after Select(kAllMonitors)).
  virtual MonitorInfo Selected() const = 0;
};

}  // namespace tether::agent
