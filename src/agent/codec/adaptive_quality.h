#pragma once
// AdaptiveQuality: picks the JPEG quality for the next frame from how the link copes — frames
// waiting for their ack and round-trip times growing above the best seen mean a queue is
// building (step down quickly); a link that keeps up for a while gets better pictures (step
// up slowly). Pure logic driven by an injected Clock; one thread; must not outlive the Clock.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "base/clock.h"

namespace tether::agent {

struct AdaptiveQualityOptions {
  int min_quality = 30;
  int max_quality = 85;
  int initial_quality = 70;
  int step_down = 10;
  int step_up = 5;
  // This many unacknowledged frames (or more) means frames are backing up: set it to the
  // session's window of unacknowledged frames (capture stalls there).
  uint32_t backlog_frames = 3;
  // A smoothed RTT above min_rtt * rtt_factor + rtt_slack means a queue is building.
  double rtt_factor = 2.0;
  std::chrono::milliseconds rtt_slack{30};
  // At most one step down per this interval (give the previous step time to show).
  std::chrono::milliseconds down_interval{300};
  // The link must stay healthy this long before each step up.
  std::chrono::milliseconds up_after{1500};
};

class AdaptiveQuality {
 public:
  explicit AdaptiveQuality(const Clock& clock, AdaptiveQualityOptions options = {});

  void OnFrameSent(uint64_t frame_id, size_t bytes);
  // The viewer drew frame_id; every earlier frame counts as acknowledged too. Pass the time
  // the ack arrived when it is applied later (from another thread's queue), so that the
  // round-trip time does not include the wait.
  void OnFrameAcked(uint64_t frame_id);
  void OnFrameAcked(uint64_t frame_id, std::chrono::steady_clock::time_point received);
  // Re-evaluates the link; returns the quality to encode the next frame with.
  int Update();

  int quality() const { return quality_; }
  uint32_t unacked() const { return static_cast<uint32_t>(in_flight_.size()); }
  std::chrono::microseconds smoothed_rtt() const { return srtt_; }
  std::chrono::microseconds min_rtt() const { return min_rtt_; }
  // Acknowledged bytes per second over the last two seconds (0 until known).
  double throughput_bytes_per_second() const;

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Sent {
    uint64_t frame_id;
    size_t bytes;
    TimePoint at;
  };
  struct Acked {
    TimePoint at;
    size_t bytes;
  };
  bool Congested(TimePoint now) const;

  const Clock& clock_;
  AdaptiveQualityOptions options_;
  int quality_;
  std::deque<Sent> in_flight_;
  std::deque<Acked> acked_;
  std::chrono::microseconds srtt_{0};
  std::chrono::microseconds min_rtt_{0};
  bool have_rtt_ = false;
  TimePoint last_change_{};
  TimePoint healthy_since_{};
  bool healthy_ = false;
};

}  // namespace tether::agent
