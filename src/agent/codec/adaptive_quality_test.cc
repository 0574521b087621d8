#include "agent/codec/adaptive_quality.h"

#include <gtest/gtest.h>

namespace tether::agent {
namespace {

using std::chrono::milliseconds;

// A clock with millisecond steps (FakeClock moves in whole seconds).
class StepClock final : public Clock {
 public:
  int64_t NowUnix() const override { return 1'700'000'000; }
  std::chrono::steady_clock::time_point Steady() const override { return now_; }
  void Advance(milliseconds d) { now_ += d; }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::seconds(1000)};
};

class AdaptiveQualityTest : public ::testing::Test {
 protected:
  // One frame every 33 ms, acked after `rtt`; returns the quality after the run.
  int Run(AdaptiveQuality& q, int frames, milliseconds rtt, milliseconds step = milliseconds(33)) {
    for (int i = 0; i < frames; ++i) {
      q.OnFrameSent(next_id_, 20'000);
      clock_.Advance(rtt);
      q.OnFrameAcked(next_id_++);
      if (step > rtt) clock_.Advance(step - rtt);
      q.Update();
    }
    return q.quality();
  }
  StepClock clock_;
  uint64_t next_id_ = 1;
};

TEST_F(AdaptiveQualityTest, StartsAtTheInitialQuality) {
  AdaptiveQuality q(clock_);
  EXPECT_EQ(q.quality(), 70);
  EXPECT_EQ(q.Update(), 70);
}

TEST_F(AdaptiveQualityTest, BackedUpFramesLowerQualityQuicklyDownToTheMinimum) {
  AdaptiveQuality q(clock_);
  Run(q, 30, milliseconds(10));
  const int before = q.quality();
  // Frames stop being acknowledged: the window fills.
  for (int i = 0; i < 3; ++i) q.OnFrameSent(next_id_++, 50'000);
  EXPECT_EQ(q.unacked(), 3u);
  clock_.Advance(milliseconds(400));
  EXPECT_LT(q.Update(), before);
  const int once = q.quality();
  EXPECT_EQ(q.Update(), once);  // not again before the interval has passed
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(milliseconds(400));
    q.Update();
  }
  EXPECT_EQ(q.quality(), 30);
}

TEST_F(AdaptiveQualityTest, GrowingRoundTripLowersQuality) {
  AdaptiveQuality q(clock_);
  Run(q, 20, milliseconds(10));
  const int before = q.quality();
  Run(q, 40, milliseconds(120), milliseconds(150));  // queueing delay: 12x the best RTT
  EXPECT_LT(q.quality(), before);
  EXPECT_GT(q.smoothed_rtt(), milliseconds(60));
  EXPECT_EQ(q.min_rtt(), milliseconds(10));
}

TEST_F(AdaptiveQualityTest, IdleHealthyLinkRaisesQualitySlowlyToTheMaximum) {
  AdaptiveQualityOptions options;
  options.initial_quality = 40;
  AdaptiveQuality q(clock_, options);
  Run(q, 10, milliseconds(10));  // 330 ms: too soon for a step up
  EXPECT_EQ(q.quality(), 40);
  Run(q, 60, milliseconds(10));  // 2 s of healthy link
  EXPECT_GT(q.quality(), 40);
  EXPECT_LE(q.quality(), 50);
  Run(q, 1000, milliseconds(10));
  EXPECT_EQ(q.quality(), 85);
  EXPECT_GT(q.throughput_bytes_per_second(), 100'000.0);
}

TEST_F(AdaptiveQualityTest, AckCoversEarlierFrames) {
  AdaptiveQuality q(clock_);
  q.OnFrameSent(1, 10);
  q.OnFrameSent(2, 10);
  q.OnFrameSent(3, 10);
  clock_.Advance(milliseconds(5));
  q.OnFrameAcked(2);
  EXPECT_EQ(q.unacked(), 1u);
  EXPECT_EQ(q.smoothed_rtt(), milliseconds(5));
  q.OnFrameAcked(99);
  EXPECT_EQ(q.unacked(), 0u);
}

TEST_F(AdaptiveQualityTest, AckArrivalTimeIsUsedForTheRoundTrip) {
  AdaptiveQuality q(clock_);
  q.OnFrameSent(1, 10);
  clock_.Advance(milliseconds(8));
  const auto received = clock_.Steady();
  clock_.Advance(milliseconds(25));  // applied later by the capture thread
  q.OnFrameAcked(1, received);
  EXPECT_EQ(q.smoothed_rtt(), milliseconds(8));
}

}  // namespace
}  // namespace tether::agent
