#include "net/frame_buffer_pool.h"

#include <gtest/gtest.h>

#include <thread>

namespace tether::net {
namespace {

TEST(FrameBufferPool, GivesBuffersOfTheAskedSizeAndTakesThemBack) {
  FrameBufferPool pool;
  const char* first_data = nullptr;
  {
    auto a = pool.Take(70000);
    ASSERT_EQ(a->size(), 70000u);
    first_data = a->data();
    EXPECT_EQ(pool.KeptForTest(), 0u);
  }
  EXPECT_EQ(pool.KeptForTest(), 1u);  // back when the last holder dropped it
  auto b = pool.Take(65542);
  EXPECT_EQ(b->size(), 65542u);
  EXPECT_EQ(b->data(), first_data);  // the same storage, not a new allocation
  EXPECT_EQ(pool.KeptForTest(), 0u);
}

TEST(FrameBufferPool, KeepsABoundedNumberOfBoundedBuffers) {
  FrameBufferPool pool;
  {
    std::vector<std::shared_ptr<std::string>> held;
    for (size_t i = 0; i < FrameBufferPool::kMaxKept + 10; ++i) held.push_back(pool.Take(1000));
    held.push_back(pool.Take(FrameBufferPool::kMaxKeptCapacity + 1));
  }
  EXPECT_EQ(pool.KeptForTest(), FrameBufferPool::kMaxKept);
}

TEST(FrameBufferPool, ReleasedOnAnotherThread) {
  FrameBufferPool pool;
  std::shared_ptr<const std::string> frame = pool.Take(100000);
  std::thread([f = std::move(frame)]() mutable { f.reset(); }).join();
  EXPECT_EQ(pool.KeptForTest(), 1u);
}

}  // namespace
}  // namespace tether::net
