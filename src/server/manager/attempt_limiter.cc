#include "server/manager/attempt_limiter.h"

#include <algorithm>

namespace tether::manager {

void AttemptLimiter::PruneLocked(std::deque<int64_t>& times, int64_t now) const {
  while (!times.empty() && now - times.front() >= window_s_) times.pop_front();
}

bool AttemptLimiter::Allowed(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return true;
  const int64_t now = clock_.NowUnix();
  if (it->second.locked_until > now) return false;
  PruneLocked(it->second.times, now);
  return static_cast<int>(it->second.times.size()) < max_failures_;
}

int64_t AttemptLimiter::RetryAfter(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  const int64_t now = clock_.NowUnix();
  if (it->second.locked_until > now) return it->second.locked_until - now;
  PruneLocked(it->second.times, now);
  const auto& times = it->second.times;
  if (static_cast<int>(times.size()) < max_failures_) return 0;
  // Allowed again once enough of the oldest failures have left the window.
  const int64_t oldest_that_must_expire = times[times.size() - max_failures_];
  return std::max<int64_t>(1, oldest_that_must_expire + window_s_ - now);
}

void AttemptLimiter::Failure(const std::string& key) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = failures_.try_emplace(key);
  if (inserted) {
    order_.push_back(key);
    while (failures_.size() > max_keys_ && !order_.empty()) {
      if (order_.front() != key) failures_.erase(order_.front());
      order_.pop_front();
    }
  }
  const int64_t now = clock_.NowUnix();
  auto& times = it->second.times;
  PruneLocked(times, now);
  times.push_back(now);
  if (lock_s_ > 0 && static_cast<int>(times.size()) >= max_failures_ && it->second.locked_until <= now) {
    it->second.locked_until = now + lock_s_;
    times.clear();  // after the lock, a fresh count
  }
  if (times.size() > static_cast<size_t>(max_failures_) * 2) times.pop_front();
}

void AttemptLimiter::SetLimits(int max_failures, int64_t window_s, int64_t lock_s) {
  std::lock_guard lock(mu_);
  max_failures_ = max_failures;
  window_s_ = window_s;
  lock_s_ = lock_s;
}

void AttemptLimiter::Reset(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

}  // namespace tether::manager
