// RelayPoller: ready sockets reach their targets in one batch, and a target unregistered during
// a batch (by another target's call, dropping the last reference) stays valid until the batch
// is done and is destroyed after it (the ASan build would report a use after free).
#include "server/relay/relay_poller.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <functional>

namespace tether::relay {
namespace {

struct Target : PollTarget {
  std::function<void()> on_ready;
  int calls = 0;
  bool* destroyed = nullptr;
  ~Target() override {
    if (destroyed) *destroyed = true;
  }
  void OnReady(uint32_t) override {
    ++calls;
    if (on_ready) on_ready();
  }
};

struct Pair {
  int fds[2] = {-1, -1};
  Pair() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0); }
  ~Pair() {
    for (int fd : fds) ::close(fd);
  }
};

TEST(RelayPollerTest, TargetRemovedDuringABatchLivesUntilTheBatchEnds) {
  boost::asio::io_context io;
  RelayPoller poller(io);
  ASSERT_TRUE(poller.Start());
  Pair a, b;
  bool a_destroyed = false, b_destroyed = false;
  auto target_a = std::make_shared<Target>();
  auto target_b = std::make_shared<Target>();
  target_a->destroyed = &a_destroyed;
  target_b->destroyed = &b_destroyed;
  // A, when called, unregisters B; the poller held B's last reference.
  target_a->on_ready = [&] {
    if (!b_destroyed) poller.Remove(b.fds[0]);
    EXPECT_FALSE(b_destroyed);  // still referenced for the rest of the batch
  };
  ASSERT_TRUE(poller.Add(a.fds[0], target_a));
  ASSERT_TRUE(poller.Add(b.fds[0], target_b));
  target_b.reset();
  // Both become ready before the poller looks: one batch (edge-triggered: in and out at once).
  ASSERT_EQ(::write(a.fds[1], "x", 1), 1);
  ASSERT_EQ(::write(b.fds[1], "x", 1), 1);
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_GE(target_a->calls, 1);
  EXPECT_TRUE(b_destroyed) << "an unregistered target must not outlive the batch";
  EXPECT_FALSE(a_destroyed);
  poller.Stop();
}

}  // namespace
}  // namespace tether::relay
