#include "server/manager/attempt_limiter.h"

#include <gtest/gtest.h>

namespace tether::manager {
namespace {

TEST(AttemptLimiter, BlocksAfterTooManyFailuresInTheWindowThenForgives) {
  FakeClock clock;
  AttemptLimiter limiter(clock, 3, 60);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(limiter.Allowed("1.2.3.4"));
    limiter.Failure("1.2.3.4");
  }
  EXPECT_FALSE(limiter.Allowed("1.2.3.4"));
  EXPECT_TRUE(limiter.Allowed("5.6.7.8"));
  clock.Advance(std::chrono::seconds(59));
  EXPECT_FALSE(limiter.Allowed("1.2.3.4"));
  clock.Advance(std::chrono::seconds(2));
  EXPECT_TRUE(limiter.Allowed("1.2.3.4"));
  limiter.Failure("1.2.3.4");
  limiter.Reset("1.2.3.4");
  EXPECT_TRUE(limiter.Allowed("1.2.3.4"));
}

TEST(AttemptLimiter, RetryAfterSaysWhenTheKeyIsAllowedAgain) {
  FakeClock clock;
  AttemptLimiter limiter(clock, 2, 60);
  EXPECT_EQ(limiter.RetryAfter("a"), 0);
  limiter.Failure("a");
  clock.Advance(std::chrono::seconds(10));
  limiter.Failure("a");
  EXPECT_FALSE(limiter.Allowed("a"));
  EXPECT_EQ(limiter.RetryAfter("a"), 50);  // the first failure leaves the window at t=60
  clock.Advance(std::chrono::seconds(50));
  EXPECT_TRUE(limiter.Allowed("a"));
  EXPECT_EQ(limiter.RetryAfter("a"), 0);
}

TEST(AttemptLimiter, WithALockTimeTheKeyStaysLockedThatLongThenCountsAfresh) {
  FakeClock clock;
  AttemptLimiter limiter(clock, 5, 15 * 60, 1000, 15 * 60);
  for (int i = 0; i < 4; ++i) {
    limiter.Failure("alice");
    clock.Advance(std::chrono::seconds(60));
  }
  EXPECT_TRUE(limiter.Allowed("alice"));
  limiter.Failure("alice");  // the fifth inside 15 minutes
  EXPECT_FALSE(limiter.Allowed("alice"));
  EXPECT_EQ(limiter.RetryAfter("alice"), 15 * 60);
  // The sliding window alone would free it when the first failure ages out (11 minutes on).
  clock.Advance(std::chrono::seconds(11 * 60));
  EXPECT_FALSE(limiter.Allowed("alice"));
  clock.Advance(std::chrono::seconds(4 * 60));
  EXPECT_TRUE(limiter.Allowed("alice"));
  limiter.Failure("alice");  // one failure after the lock is not a new lock
  EXPECT_TRUE(limiter.Allowed("alice"));
  // An administrator's unlock ends a lock at once.
  for (int i = 0; i < 4; ++i) limiter.Failure("alice");
  EXPECT_FALSE(limiter.Allowed("alice"));
  limiter.Reset("alice");
  EXPECT_TRUE(limiter.Allowed("alice"));
}

TEST(AttemptLimiter, MemoryIsBounded) {
  FakeClock clock;
  AttemptLimiter limiter(clock, 1, 60, 100);
  for (int i = 0; i < 10000; ++i) limiter.Failure("key" + std::to_string(i));
  EXPECT_FALSE(limiter.Allowed("key9999"));
  EXPECT_TRUE(limiter.Allowed("key0"));  // evicted
}

}  // namespace
}  // namespace tether::manager
