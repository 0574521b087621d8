#include "net/send_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace tether::net {
namespace {

FrameBytes Bytes(size_t n, char c = 'x') { return std::make_shared<const std::string>(n, c); }

TEST(SendQueue, KeepsControlFramesAndDropsSupersededVideo) {
  SendQueue q({2, 1 << 20});
  EXPECT_EQ(q.Push(Bytes(10, 'a'), FrameKind::kVideoKey), SendResult::kQueued);
  EXPECT_EQ(q.Push(Bytes(10, 'c'), FrameKind::kOther), SendResult::kQueued);
  EXPECT_EQ(q.Push(Bytes(10, 'b'), FrameKind::kVideoDelta), SendResult::kQueued);
  // A third video frame while two wait: the old ones go, the control frame stays.
  EXPECT_EQ(q.Push(Bytes(10, 'd'), FrameKind::kVideoKey), SendResult::kDroppedVideo);
  EXPECT_EQ(q.DroppedVideo(), 2u);
  std::vector<FrameBytes> out;
  q.TakeBatch(out, 10, 1 << 20);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ((*out[0])[0], 'c');
  EXPECT_EQ((*out[1])[0], 'd');
  EXPECT_TRUE(q.Empty());
  EXPECT_EQ(q.Bytes(), 0u);
}

TEST(SendQueue, ADeltaThatWouldLandOnDroppedFramesIsDroppedToo) {
  SendQueue q({1, 1 << 20});
  EXPECT_EQ(q.Push(Bytes(10, 'k'), FrameKind::kVideoKey), SendResult::kQueued);
  EXPECT_EQ(q.Push(Bytes(10, 'd'), FrameKind::kVideoDelta), SendResult::kDroppedVideo);
  EXPECT_TRUE(q.Empty());
  EXPECT_EQ(q.DroppedVideo(), 2u);
}

TEST(SendQueue, OverflowsAtTheByteLimitInsteadOfGrowing) {
  SendQueue q({3, 100});
  EXPECT_EQ(q.Push(Bytes(60), FrameKind::kOther), SendResult::kQueued);
  EXPECT_EQ(q.Push(Bytes(60), FrameKind::kOther), SendResult::kClosed);
  EXPECT_EQ(q.Bytes(), 60u);
}

TEST(SendQueue, BatchesRespectCountAndBytesButTakeAtLeastOne) {
  SendQueue q({10, 1 << 20});
  for (int i = 0; i < 5; ++i) ASSERT_EQ(q.Push(Bytes(100), FrameKind::kOther), SendResult::kQueued);
  std::vector<FrameBytes> out;
  q.TakeBatch(out, 3, 1 << 20);
  EXPECT_EQ(out.size(), 3u);
  out.clear();
  q.TakeBatch(out, 10, 150);
  EXPECT_EQ(out.size(), 1u);
  out.clear();
  q.TakeBatch(out, 10, 10);  // one frame larger than the byte budget still goes
  EXPECT_EQ(out.size(), 1u);
}

}  // namespace
}  // namespace tether::net
