#pragma once
// CapturePump: the agent's capture-and-encode thread. While at least one host watches, it
// captures the selected monitor, encodes what changed and hands whole frames to `send`, pacing
// itself by acknowledgements: it captures only while fewer than `window` frames are
// unacknowledged (a slow link gets fewer, fresher frames). Cursor shape and position and the
// monitor layout go out on change. On request it also sends one thumbnail of the screen (from
// the frame it just captured while watched, or a capture of its own while not). Control methods are thread-safe; `send` is called on the
// pump's thread. The capturer and clock must outlive it.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/capture/screen_capturer.h"
#include "agent/codec/adaptive_quality.h"
#include "agent/codec/frame_encoder.h"
#include "agent/codec/thumbnail_maker.h"
#include "base/clock.h"

namespace tether::agent {

struct CapturePumpOptions {
  uint32_t window = 2;          // unacknowledged frames allowed in flight
  int max_fps = 30;
  std::chrono::milliseconds ack_timeout{2000};  // forget unacked frames after this
};

class CapturePump {
 public:
  using SendFn = std::function<void(std::string frame)>;

  CapturePump(std::unique_ptr<ScreenCapturer> capturer, const Clock& clock, SendFn send,
              CapturePumpOptions options = {});
  ~CapturePump();

  void Start();
  void Stop();
  // Whether anyone watches; capture pauses at false. Turning on asks for a key frame.
  void SetWatched(bool watched);
  void OnAck(uint64_t frame_id);
  void RequestKeyFrame();
  void SelectMonitor(uint32_t monitor_id);
  // Sends one Thumbnail control frame at most max_width x max_height soon.
  void RequestThumbnail(uint32_t max_width, uint32_t max_height);
  // Sends the monitor layout again (after a reconnect).
  void ResendLayout();
  // The monitor layout as last read (for mapping pointer events).
  std::vector<MonitorInfo> Monitors();
  MonitorInfo SelectedMonitor();

 private:
  void Loop();
  void SendLayout();
  void SendCursor();
  void SendThumbnail(const CapturedFrame* frame, uint32_t max_width, uint32_t max_height);

  std::unique_ptr<ScreenCapturer> capturer_;
  const Clock& clock_;
  SendFn send_;
  CapturePumpOptions options_;
  FrameEncoder encoder_;
  AdaptiveQuality quality_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  bool watched_ = false;
  bool key_requested_ = true;
  bool layout_requested_ = true;
  uint32_t select_request_ = 0;
  bool has_select_request_ = false;
  bool thumbnail_requested_ = false;
  uint32_t thumbnail_width_ = 0;
  uint32_t thumbnail_height_ = 0;
  uint64_t last_sent_ = 0;
  uint64_t last_acked_ = 0;
  std::chrono::steady_clock::time_point last_ack_time_{};
  std::vector<MonitorInfo> monitors_;
  MonitorInfo selected_;
  std::thread thread_;

  // Pump thread only.
  uint64_t applied_ack_ = 0;
  std::chrono::steady_clock::time_point ack_received_{};  // guarded by mu_: when last_acked_ arrived
  CursorState last_cursor_{};
  tether::v1::VideoMessage video_;
  ThumbnailMaker thumbnails_;
  const CapturedFrame* last_frame_ = nullptr;  // the latest capture, until the next Capture/Select
};

}  // namespace tether::agent
