#include "agent/session/capture_pump.h"

#include <chrono>

#include "base/log.h"
#include "tether/v1/control.pb.h"
#include "wire/control.h"

namespace tether::agent {

CapturePump::CapturePump(std::unique_ptr<ScreenCapturer> capturer, const Clock& clock, SendFn send,
                         CapturePumpOptions options)
    : capturer_(std::move(capturer)), clock_(clock), send_(std::move(send)), options_(options),
      encoder_(clock), quality_(clock, [&] {
        AdaptiveQualityOptions q;
        q.backlog_frames = options.window;
        return q;
      }()) {}

CapturePump::~CapturePump() { Stop(); }

void CapturePump::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void CapturePump::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CapturePump::SetWatched(bool watched) {
  {
    std::lock_guard lock(mu_);
    if (watched && !watched_) {
      key_requested_ = true;
      last_acked_ = last_sent_;  // a new audience: nothing is in flight for it
    }
    watched_ = watched;
  }
  cv_.notify_all();
}

void CapturePump::OnAck(uint64_t frame_id) {
  {
    std::lock_guard lock(mu_);
    if (frame_id > last_acked_ && frame_id <= last_sent_) {
      last_acked_ = frame_id;
      ack_received_ = std::chrono::steady_clock::now();
    }
    last_ack_time_ = clock_.Steady();
  }
  cv_.notify_all();
}

void CapturePump::RequestKeyFrame() {
  {
    std::lock_guard lock(mu_);
    key_requested_ = true;
  }
  cv_.notify_all();
}

void CapturePump::SelectMonitor(uint32_t monitor_id) {
  {
    std::lock_guard lock(mu_);
    select_request_ = monitor_id;
    has_select_request_ = true;
  }
  cv_.notify_all();
}

void CapturePump::RequestThumbnail(uint32_t max_width, uint32_t max_height) {
  {
    std::lock_guard lock(mu_);
    thumbnail_requested_ = true;
    thumbnail_width_ = max_width;
    thumbnail_height_ = max_height;
  }
  cv_.notify_all();
}

void CapturePump::ResendLayout() {
  {
    std::lock_guard lock(mu_);
    layout_requested_ = true;
  }
  cv_.notify_all();
}

std::vector<MonitorInfo> CapturePump::Monitors() {
  std::lock_guard lock(mu_);
  return monitors_;
}

MonitorInfo CapturePump::SelectedMonitor() {
  std::lock_guard lock(mu_);
  return selected_;
}

void CapturePump::SendLayout() {
  auto monitors = capturer_->Monitors();
  if (!monitors) {
    Log("agent")->warn("cannot read the monitor layout: {}", monitors.error().message);
    return;
  }
  v1::ControlMessage msg;
  for (const auto& m : *monitors) {
    auto* out = msg.mutable_monitor_layout()->add_monitors();
    out->set_id(m.id);
    out->set_x(m.x);
    out->set_y(m.y);
    out->set_width(m.width);
    out->set_height(m.height);
    out->set_primary(m.primary);
    out->set_name(m.name);
  }
  {
    std::lock_guard lock(mu_);
    monitors_ = *monitors;
    selected_ = capturer_->Selected();
  }
  send_(wire::EncodeControlFrame(msg));
}

void CapturePump::SendCursor() {
  if (auto image = capturer_->CursorImageIfChanged()) {
    v1::VideoMessage msg;
    auto* shape = msg.mutable_cursor_shape();
    shape->set_serial(image->serial);
    shape->set_width(image->width);
    shape->set_height(image->height);
    shape->set_hot_x(image->hot_x);
    shape->set_hot_y(image->hot_y);
    shape->set_rgba(image->rgba.data(), image->rgba.size());
    send_(wire::EncodeVideoFrame(msg));
  }
  CursorState c = capturer_->Cursor();
  if (c.x != last_cursor_.x || c.y != last_cursor_.y || c.visible != last_cursor_.visible) {
    last_cursor_ = c;
    v1::VideoMessage msg;
    auto* pos = msg.mutable_cursor_position();
    pos->set_monitor(capturer_->Selected().id);
    pos->set_x(c.x);
    pos->set_y(c.y);
    pos->set_visible(c.visible);
    send_(wire::EncodeVideoFrame(msg));
  }
}

// `frame` null: capture one now (only while nobody watches, when no damage can be lost).
void CapturePump::SendThumbnail(const CapturedFrame* frame, uint32_t max_width, uint32_t max_height) {
  if (!frame) {
    auto captured = capturer_->Capture();
    if (!captured) {
      Log("agent")->warn("capture for a thumbnail failed: {}", captured.error().message);
      return;
    }
    frame = last_frame_ = *captured;
  }
  const auto start = std::chrono::steady_clock::now();
  v1::ControlMessage msg;
  if (auto st = thumbnails_.Make(*frame, max_width, max_height, msg.mutable_thumbnail()); !st) {
    Log("agent")->warn("no thumbnail: {}", st.error().message);
    return;
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  Log("agent")->debug("thumbnail {}x{}: {} bytes in {} us", msg.thumbnail().width(), msg.thumbnail().height(),
                      msg.thumbnail().jpeg().size(), us.count());
  send_(wire::EncodeControlFrame(msg));
}

void CapturePump::Loop() {
  const auto min_interval = std::chrono::microseconds(1'000'000 / std::max(1, options_.max_fps));
  auto last_capture = std::chrono::steady_clock::time_point{};
  while (true) {
    bool key = false, layout = false, select = false, thumb = false;
    uint32_t thumb_width = 0, thumb_height = 0;
    uint32_t select_id = 0;
    uint64_t acked = 0;
    std::chrono::steady_clock::time_point acked_at{};
    {
      std::unique_lock lock(mu_);
      // Wait until watched and the window has room (or acks are overdue).
      cv_.wait_for(lock, min_interval, [&] {
        return !running_ || thumbnail_requested_ ||
               (watched_ && (last_sent_ - last_acked_ < options_.window ||
                             clock_.Steady() - last_ack_time_ > options_.ack_timeout));
      });
      if (!running_) return;
      thumb = std::exchange(thumbnail_requested_, false);
      thumb_width = thumbnail_width_;
      thumb_height = thumbnail_height_;
      bool stream = watched_;
      if (stream && last_sent_ - last_acked_ >= options_.window) {
        if (clock_.Steady() - last_ack_time_ <= options_.ack_timeout) {
          stream = false;
        } else {
          last_acked_ = last_sent_;  // acks lost (a viewer left mid-frame): start over
          key_requested_ = true;
        }
      }
      if (!stream) {
        // Watched but waiting for acks: the latest frame will do. Not watched: capture one.
        const bool watched = watched_;
        lock.unlock();
        if (thumb && (!watched || last_frame_)) SendThumbnail(watched ? last_frame_ : nullptr, thumb_width, thumb_height);
        continue;
      }
      key = std::exchange(key_requested_, false);
      layout = std::exchange(layout_requested_, false);
      select = std::exchange(has_select_request_, false);
      select_id = select_request_;
      acked = last_acked_;
      acked_at = ack_received_;
    }
    if (acked > applied_ack_) {
      // The arrival time, not now: the pump may have waited since, which is not link delay.
      quality_.OnFrameAcked(acked, acked_at);
      applied_ack_ = acked;
    }
    if (capturer_->LayoutChanged()) layout = true;
    if (select) {
      last_frame_ = nullptr;
      if (auto st = capturer_->Select(select_id); !st) {
        Log("agent")->warn("cannot select monitor {}: {}", select_id, st.error().message);
      }
      layout = true;
      key = true;
    }
    if (layout) SendLayout();
    if (key) capturer_->ForceFull();

    auto now = std::chrono::steady_clock::now();
    if (now - last_capture < min_interval) {
      std::this_thread::sleep_for(min_interval - (now - last_capture));
    }
    last_capture = std::chrono::steady_clock::now();
    last_frame_ = nullptr;
    auto frame = capturer_->Capture();
    if (!frame) {
      Log("agent")->warn("capture failed: {}", frame.error().message);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    last_frame_ = *frame;
    if (thumb) SendThumbnail(last_frame_, thumb_width, thumb_height);
    SendCursor();
    if ((*frame)->damage.empty()) continue;

    encoder_.SetJpegQuality(quality_.Update());
    auto* vf = video_.mutable_frame();
    if (auto st = encoder_.Encode(**frame, capturer_->Selected().id, vf); !st) {
      Log("agent")->warn("encoding failed: {}", st.error().message);
      continue;
    }
    vf->set_capture_time_us(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(last_capture.time_since_epoch()).count()));
    std::string bytes = wire::EncodeVideoFrame(video_);
    quality_.OnFrameSent(vf->frame_id(), bytes.size());
    {
      std::lock_guard lock(mu_);
      last_sent_ = vf->frame_id();
      if (last_sent_ - last_acked_ == 1) last_ack_time_ = clock_.Steady();
    }
    send_(std::move(bytes));
  }
}

}  // namespace tether::agent
