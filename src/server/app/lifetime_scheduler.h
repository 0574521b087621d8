#pragma once
// LifetimeScheduler: runs the time limits on the blocking pool — the relay's sweep of live hosts
// (idle, login and API token expiry) twice a second, and the Session Manager's sweep of sessions past their
// length or expiry every ManagerInterval of the limits in force at the time. Start() once; Stop() before the pool is joined.
// The pool, relay and lifetime must outlive it.
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <memory>

#include "server/manager/session_lifetime.h"
#include "server/relay/relay.h"

namespace tether::app {

class LifetimeScheduler {
 public:
  LifetimeScheduler(boost::asio::thread_pool& pool, relay::Relay& relay, manager::SessionLifetime& lifetime);
  ~LifetimeScheduler();

  void Start();
  void Stop();
  // How often sessions are checked: a quarter of the shortest limit, from 1 s to 30 s.
  static std::chrono::seconds ManagerInterval(const manager::LifetimeOptions& o);

 private:
  struct State;
  static void Arm(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
};

}  // namespace tether::app
