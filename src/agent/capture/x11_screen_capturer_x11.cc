#include "agent/capture/x11_screen_capturer_x11.h"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/Xfixes.h>
#include <X11/extensions/Xrandr.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "agent/capture/frame_differ.h"
#include "agent/capture/x11_error_trap_x11.h"

// Xlib's `#define Status int` would hide tether::Status.
#undef Status

namespace tether::agent {
namespace {

constexpr uint32_t kMaxCursorSide = 512;
// RandR sends no event for some layout changes (monitors defined by clients, servers without
// RandR 1.2), so the layout is also compared at this interval.
constexpr auto kLayoutPollInterval = std::chrono::seconds(1);
// Grabbing one bounding box instead of several rectangles pays off when it adds less than
// this many pixels per saved round trip.
constexpr uint64_t kPixelsPerRoundTrip = 64 * 1024;

// One MIT-SHM segment the X server writes grabs into. Owned by the capturer's thread.
class ShmSegment {
 public:
  ShmSegment() { info_.shmid = -1; info_.shmaddr = nullptr; }
  ~ShmSegment() { Release(); }
  ShmSegment(const ShmSegment&) = delete;
  ShmSegment& operator=(const ShmSegment&) = delete;

  // Makes the segment at least `bytes` large; false when the server cannot attach it
  // (remote display), in which case the caller falls back to XGetImage.
  bool Reserve(Display* display, size_t bytes) {
    if (display_ && size_ >= bytes) return true;
    Release();
    info_.shmid = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
    if (info_.shmid < 0) return false;
    info_.shmaddr = static_cast<char*>(shmat(info_.shmid, nullptr, 0));
    info_.readOnly = False;
    if (info_.shmaddr == reinterpret_cast<char*>(-1)) {
      shmctl(info_.shmid, IPC_RMID, nullptr);
      info_.shmaddr = nullptr;
      return false;
    }
    X11ErrorTrap::SyncAndTake(display);
    const bool attached = XShmAttach(display, &info_) && X11ErrorTrap::SyncAndTake(display) == 0;
    shmctl(info_.shmid, IPC_RMID, nullptr);  // freed once both sides detach
    if (!attached) {
      shmdt(info_.shmaddr);
      info_.shmaddr = nullptr;
      return false;
    }
    display_ = display;
    size_ = bytes;
    return true;
  }

  // Detaches locally only (the connection is gone or about to be closed without a sync).
  void Abandon() {
    display_ = nullptr;
    Release();
  }

  void Release() {
    if (display_) {
      XShmDetach(display_, &info_);
      XSync(display_, False);
    }
    if (info_.shmaddr) shmdt(info_.shmaddr);
    info_.shmaddr = nullptr;
    display_ = nullptr;
    size_ = 0;
  }

  XShmSegmentInfo* info() { return &info_; }

 private:
  Display* display_ = nullptr;
  XShmSegmentInfo info_{};
  size_t size_ = 0;
};

// Captures the selected monitor of one X display. Every call on the capture thread; owns
// the Display connection and closes it on destruction.
class X11ScreenCapturer final : public ScreenCapturer {
 public:
  X11ScreenCapturer(Display* display, const X11CaptureOptions& options)
      : display_(display), options_(options) {}
  ~X11ScreenCapturer() override;

  Status Init();

  Result<std::vector<MonitorInfo>> Monitors() override;
  Status Select(uint32_t monitor_id) override;
  Result<const CapturedFrame*> Capture() override;
  void ForceFull() override { force_full_ = true; }
  std::optional<CursorImage> CursorImageIfChanged() override;
  CursorState Cursor() override;
  bool LayoutChanged() override;
  MonitorInfo Selected() const override { return selected_; }

 private:
  void ProcessEvents();
  void PollLayout();
  Rect RootBounds();
  Status SelectMonitor(const MonitorInfo& monitor);
  void CollectDamage();
  Status Grab(const Rect& area, bool diff);

  Display* display_;
  X11CaptureOptions options_;
  Window root_ = 0;
  Visual* visual_ = nullptr;
  int depth_ = 0;
  bool has_shm_ = false;
  bool has_damage_ = false;
  bool has_fixes_ = false;
  bool has_randr_ = false;
  bool has_monitors_ = false;  // RandR >= 1.5
  int damage_event_ = 0;
  int fixes_event_ = 0;
  int randr_event_ = 0;
  Damage damage_ = 0;
  XserverRegion region_ = 0;
  ShmSegment shm_;

  MonitorInfo selected_;
  std::vector<MonitorInfo> layout_;  // as last seen
  std::chrono::steady_clock::time_point layout_polled_;
  std::vector<uint8_t> buffer_;  // the frame, width * 4 bytes per row
  CapturedFrame frame_;
  std::vector<Rect> areas_;      // scratch: regions to grab this time
  bool force_full_ = true;
  bool damage_pending_ = true;
  bool layout_changed_ = false;
  bool relayout_pending_ = false;
  bool cursor_dirty_ = true;
  bool cursor_sent_ = false;
  uint64_t cursor_serial_ = 0;
};

X11ScreenCapturer::~X11ScreenCapturer() {
  if (!X11ErrorTrap::Lost(display_)) {
    if (damage_) XDamageDestroy(display_, damage_);
    if (region_) XFixesDestroyRegion(display_, region_);
    shm_.Release();
  }
  shm_.Abandon();  // no X call after the connection is closed
  X11ErrorTrap::Close(display_);
}

Status X11ScreenCapturer::Init() {
  root_ = DefaultRootWindow(display_);
  const int screen = DefaultScreen(display_);
  visual_ = DefaultVisual(display_, screen);
  depth_ = DefaultDepth(display_, screen);
  if ((depth_ != 24 && depth_ != 32) || visual_->c_class != TrueColor ||
      visual_->red_mask != 0xff0000 || visual_->green_mask != 0xff00 ||
      visual_->blue_mask != 0xff || ImageByteOrder(display_) != LSBFirst) {
    return MakeError("unsupported", "the X display is not 24/32-bit TrueColor BGRX (depth " +
                                        std::to_string(depth_) + ")");
  }
  int major = 0, minor = 0, error_base = 0;
  Bool pixmaps = False;
  has_shm_ = options_.use_shm && XShmQueryVersion(display_, &major, &minor, &pixmaps);
  if (XFixesQueryExtension(display_, &fixes_event_, &error_base) &&
      XFixesQueryVersion(display_, &major, &minor) && major >= 2) {
    has_fixes_ = true;
    XFixesSelectCursorInput(display_, root_, XFixesDisplayCursorNotifyMask);
  }
  if (options_.use_damage && has_fixes_ &&
      XDamageQueryExtension(display_, &damage_event_, &error_base) &&
      XDamageQueryVersion(display_, &major, &minor)) {
    damage_ = XDamageCreate(display_, root_, XDamageReportNonEmpty);
    region_ = XFixesCreateRegion(display_, nullptr, 0);
    has_damage_ = X11ErrorTrap::SyncAndTake(display_) == 0;
  }
  if (XRRQueryExtension(display_, &randr_event_, &error_base) &&
      XRRQueryVersion(display_, &major, &minor) && (major > 1 || minor >= 2)) {
    has_randr_ = true;
    has_monitors_ = major > 1 || minor >= 5;
    XRRSelectInput(display_, root_,
                   RRScreenChangeNotifyMask | RRCrtcChangeNotifyMask | RROutputChangeNotifyMask);
  }
  X11ErrorTrap::SyncAndTake(display_);
  auto monitors = Monitors();
  if (!monitors.ok()) return monitors.error();
  layout_ = *monitors;
  layout_polled_ = std::chrono::steady_clock::now();
  const MonitorInfo* primary = &monitors->front();
  for (const MonitorInfo& m : *monitors) {
    if (m.primary) { primary = &m; break; }
  }
  return SelectMonitor(*primary);
}

Rect X11ScreenCapturer::RootBounds() {
  Window root_return;
  int x = 0, y = 0;
  unsigned width = 0, height = 0, border = 0, depth = 0;
  if (!XGetGeometry(display_, root_, &root_return, &x, &y, &width, &height, &border, &depth)) {
    return Rect{0, 0, static_cast<uint32_t>(DisplayWidth(display_, DefaultScreen(display_))),
                static_cast<uint32_t>(DisplayHeight(display_, DefaultScreen(display_)))};
  }
  return Rect{0, 0, width, height};
}

Result<std::vector<MonitorInfo>> X11ScreenCapturer::Monitors() {
  if (X11ErrorTrap::Lost(display_)) return MakeError("display_lost", "the X display went away");
  const Rect root = RootBounds();
  std::vector<MonitorInfo> out;
  if (has_monitors_) {
    int count = 0;
    XRRMonitorInfo* list = XRRGetMonitors(display_, root_, True, &count);
    for (int i = 0; list && i < count; ++i) {
      const Rect r = Intersect(root, Rect{list[i].x, list[i].y, static_cast<uint32_t>(list[i].width),
                                          static_cast<uint32_t>(list[i].height)});
      if (r.empty()) continue;
      MonitorInfo m{static_cast<uint32_t>(out.size()), r.x, r.y, r.width, r.height,
                    list[i].primary != 0, ""};
      if (char* name = list[i].name ? XGetAtomName(display_, list[i].name) : nullptr) {
        m.name = name;
        XFree(name);
      }
      out.push_back(std::move(m));
    }
    if (list) XRRFreeMonitors(list);
  }
  if (out.empty()) out.push_back(MonitorInfo{0, 0, 0, root.width, root.height, true, "default"});
  if (std::none_of(out.begin(), out.end(), [](const MonitorInfo& m) { return m.primary; })) {
    out.front().primary = true;
  }
  return out;
}

Status X11ScreenCapturer::Select(uint32_t monitor_id) {
  if (monitor_id == kAllMonitors) {
    const Rect root = RootBounds();
    return SelectMonitor(MonitorInfo{kAllMonitors, 0, 0, root.width, root.height, false, "all"});
  }
  auto monitors = Monitors();
  if (!monitors.ok()) return monitors.error();
  for (const MonitorInfo& m : *monitors) {
    if (m.id == monitor_id) return SelectMonitor(m);
  }
  return MakeError("not_found", "no monitor with id " + std::to_string(monitor_id));
}

Status X11ScreenCapturer::SelectMonitor(const MonitorInfo& monitor) {
  if (monitor.width == 0 || monitor.height == 0 || monitor.width > 16384 ||
      monitor.height > 16384) {
    return MakeError("unsupported", "monitor size out of range");
  }
  selected_ = monitor;
  frame_.width = monitor.width;
  frame_.height = monitor.height;
  frame_.stride = monitor.width * 4;
  buffer_.assign(size_t{frame_.stride} * frame_.height, 0);
  frame_.pixels = buffer_.data();
  frame_.damage.clear();
  if (has_shm_ && !shm_.Reserve(display_, buffer_.size())) has_shm_ = false;
  force_full_ = true;
  return {};
}

void X11ScreenCapturer::ProcessEvents() {
  while (XPending(display_) > 0) {
    XEvent event;
    XNextEvent(display_, &event);
    if (has_damage_ && event.type == damage_event_ + XDamageNotify) {
      damage_pending_ = true;
    } else if (has_fixes_ && event.type == fixes_event_ + XFixesCursorNotify) {
      cursor_dirty_ = true;
    } else if (has_randr_ && (event.type == randr_event_ + RRScreenChangeNotify ||
                              event.type == randr_event_ + RRNotify)) {
      XRRUpdateConfiguration(&event);
      layout_changed_ = relayout_pending_ = true;
    }
  }
}

void X11ScreenCapturer::PollLayout() {
  const auto now = std::chrono::steady_clock::now();
  if (now - layout_polled_ < kLayoutPollInterval) return;
  layout_polled_ = now;
  auto monitors = Monitors();
  if (monitors.ok() && *monitors != layout_) {
    layout_ = std::move(*monitors);
    layout_changed_ = relayout_pending_ = true;
  }
}

// Fetches the server's accumulated damage (clearing it) into areas_, in frame coordinates.
void X11ScreenCapturer::CollectDamage() {
  areas_.clear();
  XDamageSubtract(display_, damage_, None, region_);
  damage_pending_ = false;
  int count = 0;
  XRectangle* rects = XFixesFetchRegion(display_, region_, &count);
  for (int i = 0; rects && i < count; ++i) {
    areas_.push_back(Rect{rects[i].x - selected_.x, rects[i].y - selected_.y, rects[i].width,
                          rects[i].height});
  }
  if (rects) XFree(rects);
  const Rect frame_rect{0, 0, frame_.width, frame_.height};
  NormalizeDamage(areas_, frame_rect);
  if (areas_.size() <= 1) return;
  Rect box;
  uint64_t sum = 0;
  for (const Rect& r : areas_) {
    box = Bounding(box, r);
    sum += r.area();
  }
  if (box.area() <= sum + kPixelsPerRoundTrip * (areas_.size() - 1)) areas_.assign(1, box);
}

Status X11ScreenCapturer::Grab(const Rect& area, bool diff) {
  const int root_x = selected_.x + area.x;
  const int root_y = selected_.y + area.y;
  XImage* image = nullptr;
  if (has_shm_) {
    image = XShmCreateImage(display_, visual_, depth_, ZPixmap, shm_.info()->shmaddr,
                            shm_.info(), area.width, area.height);
    if (image && !XShmGetImage(display_, root_, image, root_x, root_y, AllPlanes)) {
      image->data = nullptr;  // the segment is not the image's to free
      XDestroyImage(image);
      image = nullptr;
    }
  } else {
    image = XGetImage(display_, root_, root_x, root_y, area.width, area.height, AllPlanes,
                      ZPixmap);
  }
  if (!image) {
    X11ErrorTrap::Take(display_);
    relayout_pending_ = true;  // most likely the screen shrank under the selected monitor
    if (X11ErrorTrap::Lost(display_)) return MakeError("display_lost", "the X display went away");
    return MakeError("capture_failed", "the X server refused to return the screen image");
  }
  const auto* src = reinterpret_cast<const uint8_t*>(image->data);
  const uint32_t src_stride = static_cast<uint32_t>(image->bytes_per_line);
  if (image->bits_per_pixel != 32 || src_stride < area.width * 4) {
    if (has_shm_) image->data = nullptr;
    XDestroyImage(image);
    return MakeError("unsupported", "the X server returned a non-32-bit image");
  }
  if (diff) {
    CopyAndDiff(src, src_stride, area, buffer_.data(), frame_.stride, &frame_.damage);
  } else {
    for (uint32_t y = 0; y < area.height; ++y) {
      std::memcpy(buffer_.data() + size_t(area.y + y) * frame_.stride + size_t(area.x) * 4,
                  src + size_t{y} * src_stride, size_t{area.width} * 4);
    }
    frame_.damage.push_back(area);
  }
  if (has_shm_) image->data = nullptr;
  XDestroyImage(image);
  return {};
}

Result<const CapturedFrame*> X11ScreenCapturer::Capture() {
  if (X11ErrorTrap::Lost(display_)) return MakeError("display_lost", "the X display went away");
  ProcessEvents();
  PollLayout();
  if (relayout_pending_) {
    relayout_pending_ = false;
    auto monitors = Monitors();
    if (!monitors.ok()) return monitors.error();
    layout_ = *monitors;
    MonitorInfo next = monitors->front();
    for (const MonitorInfo& m : *monitors) {
      if (m.primary) next = m;
    }
    for (const MonitorInfo& m : *monitors) {
      if (m.id == selected_.id) next = m;
    }
    if (selected_.id == kAllMonitors) {
      const Rect root = RootBounds();
      next = MonitorInfo{kAllMonitors, 0, 0, root.width, root.height, false, "all"};
    }
    if (!(next == selected_)) {
      if (Status s = SelectMonitor(next); !s.ok()) return s.error();
    }
  }
  frame_.damage.clear();
  const Rect frame_rect{0, 0, frame_.width, frame_.height};
  const bool full = force_full_;
  if (full) {
    if (has_damage_) {
      XDamageSubtract(display_, damage_, None, None);
      damage_pending_ = false;
    }
    areas_.assign(1, frame_rect);
  } else if (has_damage_) {
    if (!damage_pending_) return &frame_;  // nothing drawn since the last grab
    CollectDamage();
  } else {
    areas_.assign(1, frame_rect);
  }
  for (const Rect& area : areas_) {
    if (Status s = Grab(area, !full); !s.ok()) {
      frame_.damage.clear();
      force_full_ = true;
      return s.error();
    }
  }
  force_full_ = false;
  if (full) {
    frame_.damage.assign(1, frame_rect);
  } else {
    NormalizeDamage(frame_.damage, frame_rect);
  }
  return &frame_;
}

std::optional<CursorImage> X11ScreenCapturer::CursorImageIfChanged() {
  if (!has_fixes_ || X11ErrorTrap::Lost(display_)) return std::nullopt;
  ProcessEvents();
  if (!cursor_dirty_ && cursor_sent_) return std::nullopt;
  cursor_dirty_ = false;
  XFixesCursorImage* image = XFixesGetCursorImage(display_);
  if (!image) return std::nullopt;
  std::optional<CursorImage> out;
  if ((!cursor_sent_ || image->cursor_serial != cursor_serial_) && image->width > 0 &&
      image->height > 0 && image->width <= kMaxCursorSide && image->height <= kMaxCursorSide) {
    out.emplace();
    out->serial = image->cursor_serial;
    out->width = image->width;
    out->height = image->height;
    out->hot_x = image->xhot;
    out->hot_y = image->yhot;
    out->rgba.resize(size_t{image->width} * image->height * 4);
    uint8_t* dst = out->rgba.data();
    const size_t count = size_t{image->width} * image->height;
    for (size_t i = 0; i < count; ++i, dst += 4) {
      // XFixes hands out premultiplied ARGB, one pixel per unsigned long.
      const uint32_t argb = static_cast<uint32_t>(image->pixels[i]);
      const uint32_t a = argb >> 24;
      uint32_t r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
      if (a != 0 && a != 255) {
        r = std::min<uint32_t>(255, (r * 255 + a / 2) / a);
        g = std::min<uint32_t>(255, (g * 255 + a / 2) / a);
        b = std::min<uint32_t>(255, (b * 255 + a / 2) / a);
      } else if (a == 0) {
        r = g = b = 0;
      }
      dst[0] = static_cast<uint8_t>(r);
      dst[1] = static_cast<uint8_t>(g);
      dst[2] = static_cast<uint8_t>(b);
      dst[3] = static_cast<uint8_t>(a);
    }
    cursor_sent_ = true;
    cursor_serial_ = image->cursor_serial;
  }
  XFree(image);
  return out;
}

CursorState X11ScreenCapturer::Cursor() {
  CursorState state;
  if (X11ErrorTrap::Lost(display_)) return state;
  Window root_return = 0, child = 0;
  int root_x = 0, root_y = 0, win_x = 0, win_y = 0;
  unsigned mask = 0;
  if (!XQueryPointer(display_, root_, &root_return, &child, &root_x, &root_y, &win_x, &win_y,
                     &mask)) {
    return state;  // the pointer is on another X screen
  }
  state.x = root_x - selected_.x;
  state.y = root_y - selected_.y;
  state.visible = Contains(selected_.bounds(), Rect{root_x, root_y, 1, 1});
  return state;
}

bool X11ScreenCapturer::LayoutChanged() {
  if (!X11ErrorTrap::Lost(display_)) {
    ProcessEvents();
    PollLayout();
  }
  const bool changed = layout_changed_;
  layout_changed_ = false;
  return changed;
}

}  // namespace

std::unique_ptr<ScreenCapturer> CreateX11ScreenCapturer(const X11CaptureOptions& options,
                                                        Status* error) {
  Display* display = XOpenDisplay(options.display.empty() ? nullptr : options.display.c_str());
  if (!display) {
    if (error) {
      *error = MakeError("display_unavailable",
                         "cannot open X display '" +
                             (options.display.empty() ? std::string("$DISPLAY") : options.display) +
                             "'");
    }
    return nullptr;
  }
  X11ErrorTrap::Watch(display);
  auto capturer = std::make_unique<X11ScreenCapturer>(display, options);
  if (Status s = capturer->Init(); !s.ok()) {
    if (error) *error = s;
    return nullptr;
  }
  if (error) *error = Status{};
  return capturer;
}

std::unique_ptr<ScreenCapturer> CreateX11ScreenCapturer(const std::string& display,
                                                        Status* error) {
  X11CaptureOptions options;
  options.display = display;
  return CreateX11ScreenCapturer(options, error);
}

}  // namespace tether::agent
