#include "agent/codec/adaptive_quality.h"

#include <algorithm>

namespace tether::agent {
namespace {

constexpr size_t kMaxTracked = 256;  // frames in flight we remember (the window is far smaller)
constexpr auto kThroughputWindow = std::chrono::seconds(2);

}  // namespace

AdaptiveQuality::AdaptiveQuality(const Clock& clock, AdaptiveQualityOptions options)
    : clock_(clock), options_(options) {
  options_.min_quality = std::clamp(options_.min_quality, 1, 100);
  options_.max_quality = std::clamp(options_.max_quality, options_.min_quality, 100);
  quality_ = std::clamp(options_.initial_quality, options_.min_quality, options_.max_quality);
  last_change_ = clock_.Steady();
}

void AdaptiveQuality::OnFrameSent(uint64_t frame_id, size_t bytes) {
  if (in_flight_.size() >= kMaxTracked) in_flight_.pop_front();
  in_flight_.push_back(Sent{frame_id, bytes, clock_.Steady()});
}

void AdaptiveQuality::OnFrameAcked(uint64_t frame_id) { OnFrameAcked(frame_id, clock_.Steady()); }

void AdaptiveQuality::OnFrameAcked(uint64_t frame_id, TimePoint now) {
  while (!in_flight_.empty() && in_flight_.front().frame_id <= frame_id) {
    const Sent sent = in_flight_.front();
    in_flight_.pop_front();
    acked_.push_back(Acked{now, sent.bytes});
    if (sent.frame_id != frame_id) continue;  // only the acked frame itself gives an RTT sample
    const auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(
        std::max(now - sent.at, std::chrono::steady_clock::duration::zero()));
    if (!have_rtt_) {
      srtt_ = min_rtt_ = rtt;
      have_rtt_ = true;
    } else {
      srtt_ = (srtt_ * 7 + rtt) / 8;
      min_rtt_ = std::min(min_rtt_, rtt);
    }
  }
  while (!acked_.empty() && now - acked_.front().at > kThroughputWindow) acked_.pop_front();
}

double AdaptiveQuality::throughput_bytes_per_second() const {
  if (acked_.size() < 2) return 0;
  size_t bytes = 0;
  for (const Acked& a : acked_) bytes += a.bytes;
  const auto span = std::max<std::chrono::steady_clock::duration>(
      clock_.Steady() - acked_.front().at, std::chrono::milliseconds(100));
  return static_cast<double>(bytes) / std::chrono::duration<double>(span).count();
}

bool AdaptiveQuality::Congested(TimePoint now) const {
  if (in_flight_.size() >= options_.backlog_frames) return true;
  if (!have_rtt_) return false;
  const auto queueing_limit = std::chrono::duration_cast<std::chrono::microseconds>(
      min_rtt_ * options_.rtt_factor + options_.rtt_slack);
  if (srtt_ > queueing_limit) return true;
  // A single frame waiting far longer than the link's usual round trip also counts.
  return !in_flight_.empty() && now - in_flight_.front().at > std::max<std::chrono::microseconds>(
                                                                  queueing_limit * 2, srtt_ * 4);
}

int AdaptiveQuality::Update() {
  const TimePoint now = clock_.Steady();
  if (Congested(now)) {
    healthy_ = false;
    if (now - last_change_ >= options_.down_interval && quality_ > options_.min_quality) {
      quality_ = std::max(options_.min_quality, quality_ - options_.step_down);
      last_change_ = now;
    }
    return quality_;
  }
  if (!healthy_) {
    healthy_ = true;
    healthy_since_ = now;
  }
  if (now - healthy_since_ >= options_.up_after && now - last_change_ >= options_.up_after &&
      quality_ < options_.max_quality) {
    quality_ = std::min(options_.max_quality, quality_ + options_.step_up);
    last_change_ = now;
  }
  return quality_;
}

}  // namespace tether::agent
