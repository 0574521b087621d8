#include "agent/capture/fake_screen_capturer.h"

#include <algorithm>
#include <cstring>

namespace tether::agent {
namespace {

MonitorInfo PrimaryOf(const std::vector<MonitorInfo>& monitors) {
  for (const MonitorInfo& m : monitors) {
    if (m.primary) return m;
  }
  return monitors.front();
}

}  // namespace

FakeScreenCapturer::FakeScreenCapturer()
    : FakeScreenCapturer({MonitorInfo{0, 0, 0, 640, 480, true, "FAKE-0"}}) {}

FakeScreenCapturer::FakeScreenCapturer(std::vector<MonitorInfo> monitors)
    : monitors_(std::move(monitors)) {
  ResetScreen();
  selected_ = PrimaryOf(monitors_);
}

void FakeScreenCapturer::ResetScreen() {
  screen_bounds_ = Rect{};
  for (const MonitorInfo& m : monitors_) screen_bounds_ = Bounding(screen_bounds_, m.bounds());
  screen_.assign(screen_bounds_.area(), 0);
  pending_damage_.clear();
}

uint32_t* FakeScreenCapturer::Row(int32_t root_y) {
  return screen_.data() + size_t(root_y - screen_bounds_.y) * screen_bounds_.width;
}

void FakeScreenCapturer::Fill(const Rect& rect, uint32_t bgrx) {
  const Rect r = Intersect(rect, screen_bounds_);
  for (int32_t y = r.y; y < r.bottom(); ++y) {
    uint32_t* row = Row(y) + (r.x - screen_bounds_.x);
    std::fill(row, row + r.width, bgrx);
  }
  MarkDamaged(r);
}

void FakeScreenCapturer::SetPixel(int32_t x, int32_t y, uint32_t bgrx) { Fill({x, y, 1, 1}, bgrx); }

uint32_t FakeScreenCapturer::Pixel(int32_t x, int32_t y) const {
  if (!Contains(screen_bounds_, Rect{x, y, 1, 1})) return 0;
  return screen_[size_t(y - screen_bounds_.y) * screen_bounds_.width + (x - screen_bounds_.x)];
}

void FakeScreenCapturer::MarkDamaged(const Rect& rect) {
  if (!rect.empty()) pending_damage_.push_back(rect);
}

void FakeScreenCapturer::SetCursorImage(CursorImage image) { cursor_image_ = std::move(image); }

void FakeScreenCapturer::SetPointer(int32_t root_x, int32_t root_y) {
  pointer_x_ = root_x;
  pointer_y_ = root_y;
}

void FakeScreenCapturer::SetMonitors(std::vector<MonitorInfo> monitors) {
  monitors_ = std::move(monitors);
  ResetScreen();
  layout_changed_ = true;
  // Keep following the selected monitor's new geometry, or fall back to the primary one.
  const uint32_t id = selected_.id;
  selected_ = PrimaryOf(monitors_);
  if (id == kAllMonitors) {
    selected_ = MonitorInfo{kAllMonitors, screen_bounds_.x, screen_bounds_.y,
                            screen_bounds_.width, screen_bounds_.height, false, "ALL"};
  }
  for (const MonitorInfo& m : monitors_) {
    if (m.id == id) selected_ = m;
  }
  force_full_ = true;
}

void FakeScreenCapturer::FailNextCapture(Error error) { fail_next_ = std::move(error); }

Result<std::vector<MonitorInfo>> FakeScreenCapturer::Monitors() {
  if (fail_next_) {
    Error e = std::move(*fail_next_);
    fail_next_.reset();
    return e;
  }
  return monitors_;
}

Status FakeScreenCapturer::Select(uint32_t monitor_id) {
  if (monitor_id == kAllMonitors) {
    selected_ = MonitorInfo{kAllMonitors, screen_bounds_.x, screen_bounds_.y,
                            screen_bounds_.width, screen_bounds_.height, false, "ALL"};
    force_full_ = true;
    return {};
  }
  for (const MonitorInfo& m : monitors_) {
    if (m.id == monitor_id) {
      selected_ = m;
      force_full_ = true;
      return {};
    }
  }
  return MakeError("not_found", "no monitor with id " + std::to_string(monitor_id));
}

Result<const CapturedFrame*> FakeScreenCapturer::Capture() {
  if (fail_next_) {
    Error e = std::move(*fail_next_);
    fail_next_.reset();
    return e;
  }
  ++capture_count_;
  const Rect mon = selected_.bounds();
  frame_.width = mon.width;
  frame_.height = mon.height;
  frame_.stride = mon.width * 4;
  frame_pixels_.resize(size_t{frame_.stride} * frame_.height);
  for (uint32_t y = 0; y < mon.height; ++y) {
    std::memcpy(frame_pixels_.data() + size_t{y} * frame_.stride,
                Row(mon.y + static_cast<int32_t>(y)) + (mon.x - screen_bounds_.x), frame_.stride);
  }
  frame_.pixels = frame_pixels_.data();
  frame_.damage.clear();
  const Rect frame_rect{0, 0, frame_.width, frame_.height};
  if (force_full_) {
    frame_.damage.push_back(frame_rect);
  } else {
    for (const Rect& r : pending_damage_) frame_.damage.push_back(Translate(r, -mon.x, -mon.y));
    NormalizeDamage(frame_.damage, frame_rect);
  }
  force_full_ = false;
  pending_damage_.clear();
  return &frame_;
}

std::optional<CursorImage> FakeScreenCapturer::CursorImageIfChanged() {
  if (!cursor_image_) return std::nullopt;
  if (cursor_sent_ && cursor_image_->serial == cursor_serial_sent_) return std::nullopt;
  cursor_sent_ = true;
  cursor_serial_sent_ = cursor_image_->serial;
  return cursor_image_;
}

CursorState FakeScreenCapturer::Cursor() {
  const Rect mon = selected_.bounds();
  CursorState s{pointer_x_ - mon.x, pointer_y_ - mon.y, false};
  s.visible = Contains(mon, Rect{pointer_x_, pointer_y_, 1, 1});
  return s;
}

bool FakeScreenCapturer::LayoutChanged() {
  const bool changed = layout_changed_;
  layout_changed_ = false;
  return changed;
}

}  // namespace tether::agent
