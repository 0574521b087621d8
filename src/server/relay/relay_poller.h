#pragma once
// RelayPoller: an edge-triggered epoll set for the relay's sockets, driven from the network
// thread's io_context. Each socket is registered once (in, out, hang-up; edge-triggered) and
// the poller's own epoll descriptor is what Asio waits on, so a busy relay pays one Asio wake
// and one epoll_wait per batch of ready sockets instead of a reactor operation per read —
// the way a stream proxy runs its event loop; sockets that become ready while a batch is
// handled are taken in the same wake (a few rounds). Network thread only; targets are kept
// alive while registered.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.h"

namespace tether::relay {

class PollTarget {
 public:
  virtual ~PollTarget() = default;
  // The socket became readable and/or writable (EPOLLIN/EPOLLOUT/EPOLLRDHUP/EPOLLERR bits).
  virtual void OnReady(uint32_t events) = 0;
};

class RelayPoller {
 public:
  explicit RelayPoller(boost::asio::io_context& io);
  ~RelayPoller();
  RelayPoller(const RelayPoller&) = delete;
  RelayPoller& operator=(const RelayPoller&) = delete;

  Status Start();
  // Registers a non-blocking socket. False when it cannot be watched (the caller closes it).
  bool Add(int fd, std::shared_ptr<PollTarget> target);
  // Unregisters before the socket is closed.
  void Remove(int fd);
  // The steady time read once when the current batch of events was taken: targets use it for
  // their idle deadlines instead of reading the clock for every record.
  std::chrono::steady_clock::time_point BatchTime() const { return batch_time_; }
  void Stop();

 private:
  void Arm();
  void Dispatch();

  boost::asio::posix::stream_descriptor epoll_;
  std::vector<std::shared_ptr<PollTarget>> targets_;  // indexed by descriptor
  std::vector<std::shared_ptr<PollTarget>> retired_;  // unregistered during the current batch
  bool dispatching_ = false;
  bool stopped_ = false;
  std::chrono::steady_clock::time_point batch_time_ = std::chrono::steady_clock::now();
};

}  // namespace tether::relay
