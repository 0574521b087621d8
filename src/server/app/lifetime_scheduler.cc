#include "server/app/lifetime_scheduler.h"

#include <algorithm>
#include <mutex>

#include "base/log.h"

namespace tether::app {

namespace asio = boost::asio;

namespace {
// Logins and API tokens expire on whole seconds: sweeping twice a second closes what they
// admitted within a second of the expiry.
constexpr auto kRelaySweepInterval = std::chrono::milliseconds(500);
}  // namespace

struct LifetimeScheduler::State {
  State(asio::thread_pool& pool, relay::Relay& relay, manager::SessionLifetime& lifetime)
      : timer(asio::make_strand(pool)), relay(relay), lifetime(lifetime) {}
  asio::steady_timer timer;
  relay::Relay& relay;
  manager::SessionLifetime& lifetime;
  std::chrono::steady_clock::time_point last_manager_sweep{};
  std::mutex mu;
  bool stopped = false;
};

LifetimeScheduler::LifetimeScheduler(asio::thread_pool& pool, relay::Relay& relay,
                                     manager::SessionLifetime& lifetime)
    : state_(std::make_shared<State>(pool, relay, lifetime)) {}

LifetimeScheduler::~LifetimeScheduler() { Stop(); }

std::chrono::seconds LifetimeScheduler::ManagerInterval(const manager::LifetimeOptions& o) {
  int64_t shortest = 120;
  for (int64_t v : {o.max_session_seconds, o.support_expiry_seconds}) {
    if (v > 0) shortest = std::min(shortest, v);
  }
  return std::chrono::seconds(std::clamp<int64_t>(shortest / 4, 1, 30));
}

void LifetimeScheduler::Start() { Arm(state_); }

void LifetimeScheduler::Stop() {
  std::lock_guard lock(state_->mu);
  state_->stopped = true;
  state_->timer.cancel();
}

void LifetimeScheduler::Arm(const std::shared_ptr<State>& state) {
  std::lock_guard lock(state->mu);
  if (state->stopped) return;
  state->timer.expires_after(kRelaySweepInterval);
  state->timer.async_wait([state](boost::system::error_code ec) {
    if (ec) return;
    {
      std::lock_guard lock(state->mu);
      if (state->stopped) return;
    }
    state->relay.Sweep();
    const auto now = std::chrono::steady_clock::now();
    // The limits in force now: an administrator may have shortened them since the last sweep.
    if (now >= state->last_manager_sweep + ManagerInterval(state->lifetime.Options())) {
      state->last_manager_sweep = now;
      if (int n = state->lifetime.Sweep(); n > 0) Log("app")->info("ended {} session(s) past their time limit", n);
    }
    Arm(state);
  });
}

}  // namespace tether::app
