#pragma once
// FakeScreenCapturer: a deterministic in-memory desktop for tests of everything above capture.
// Tests draw into the virtual screen (root coordinates) and mark damage; Capture() copies the
// selected monitor out. Single-threaded, like the real capturer.
#include <optional>
#include <vector>

#include "agent/capture/screen_capturer.h"

namespace tether::agent {

class FakeScreenCapturer final : public ScreenCapturer {
 public:
  // One 640x480 primary monitor.
  FakeScreenCapturer();
  // The virtual screen is the bounding box of the monitors (which must not be empty).
  explicit FakeScreenCapturer(std::vector<MonitorInfo> monitors);

  // --- test controls (root coordinates; every drawing call marks its rectangle damaged)
  void Fill(const Rect& rect, uint32_t bgrx);
  void SetPixel(int32_t x, int32_t y, uint32_t bgrx);
  uint32_t Pixel(int32_t x, int32_t y) const;
  // Marks a region changed without drawing (to test damage reporting of unchanged pixels).
  void MarkDamaged(const Rect& rect);
  void SetCursorImage(CursorImage image);  // the serial is taken from the image
  void SetPointer(int32_t root_x, int32_t root_y);
  // Replaces the layout (the screen is cleared to black) and raises LayoutChanged().
  void SetMonitors(std::vector<MonitorInfo> monitors);
  // The next Capture() (or Monitors()) fails with this error, once.
  void FailNextCapture(Error error);
  int capture_count() const { return capture_count_; }
  int virtual_width() const { return static_cast<int>(screen_bounds_.width); }
  int virtual_height() const { return static_cast<int>(screen_bounds_.height); }

  // --- ScreenCapturer
  Result<std::vector<MonitorInfo>> Monitors() override;
  Status Select(uint32_t monitor_id) override;
  Result<const CapturedFrame*> Capture() override;
  void ForceFull() override { force_full_ = true; }
  std::optional<CursorImage> CursorImageIfChanged() override;
  CursorState Cursor() override;
  bool LayoutChanged() override;
  MonitorInfo Selected() const override { return selected_; }

 private:
  void ResetScreen();
  uint32_t* Row(int32_t root_y);

  std::vector<MonitorInfo> monitors_;
  Rect screen_bounds_;
  std::vector<uint32_t> screen_;  // virtual screen, BGRX, screen_bounds_.width per row
  std::vector<Rect> pending_damage_;  // root coordinates
  MonitorInfo selected_;
  std::vector<uint8_t> frame_pixels_;
  CapturedFrame frame_;
  bool force_full_ = true;
  bool layout_changed_ = false;
  std::optional<Error> fail_next_;
  std::optional<CursorImage> cursor_image_;
  uint64_t cursor_serial_sent_ = 0;
  bool cursor_sent_ = false;
  int32_t pointer_x_ = 0;
  int32_t pointer_y_ = 0;
  int capture_count_ = 0;
};

}  // namespace tether::agent
