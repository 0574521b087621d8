#include "server/relay/relay_poller.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace tether::relay {

namespace asio = boost::asio;

namespace {
constexpr int kBatch = 256;
constexpr int kRounds = 8;
}  // namespace

RelayPoller::RelayPoller(asio::io_context& io) : epoll_(io) {}

RelayPoller::~RelayPoller() { Stop(); }

Status RelayPoller::Start() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return MakeError("relay", std::string("epoll_create1: ") + std::strerror(errno));
  boost::system::error_code ec;
  epoll_.assign(fd, ec);
  if (ec) {
    ::close(fd);
    return MakeError("relay", "cannot watch the relay's epoll set: " + ec.message());
  }
  Arm();
  return {};
}

bool RelayPoller::Add(int fd, std::shared_ptr<PollTarget> target) {
  if (stopped_ || fd < 0 || !epoll_.is_open()) return false;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = target.get();
  if (::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  if (targets_.size() <= static_cast<size_t>(fd)) targets_.resize(static_cast<size_t>(fd) + 1);
  targets_[static_cast<size_t>(fd)] = std::move(target);
  return true;
}

void RelayPoller::Remove(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= targets_.size()) return;
  if (epoll_.is_open()) ::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_DEL, fd, nullptr);
  auto& target = targets_[static_cast<size_t>(fd)];
  // During a batch, events already taken may still name it: it lives until the batch is done.
  if (dispatching_) retired_.push_back(std::move(target));
  target.reset();
}

void RelayPoller::Stop() {
  stopped_ = true;
  boost::system::error_code ec;
  epoll_.close(ec);
}

void RelayPoller::Arm() {
  if (stopped_) return;
  epoll_.async_wait(asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    Dispatch();
    Arm();
  });
}

void RelayPoller::Dispatch() {
  std::array<epoll_event, kBatch> events;
  // Sockets that became ready while a batch was handled are taken at once, a few rounds at
  // most (Asio's own work waits meanwhile): under load this saves a wake-up, an Asio wait and
  // its re-arming per batch, at the price of one empty epoll_wait when nothing came.
  for (int round = 0; round < kRounds && !stopped_; ++round) {
    const int n = ::epoll_wait(epoll_.native_handle(), events.data(), kBatch, 0);
    if (n <= 0) return;
    batch_time_ = std::chrono::steady_clock::now();
    // Targets are called through the pointer the event carries, without touching a reference
    // count: one unregistered meanwhile (by itself or by another's call) is kept in retired_.
    dispatching_ = true;
    for (int i = 0; i < n; ++i) static_cast<PollTarget*>(events[i].data.ptr)->OnReady(events[i].events);
    dispatching_ = false;
    retired_.clear();
  }
}

}  // namespace tether::relay
