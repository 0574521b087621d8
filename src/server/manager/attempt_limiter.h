#pragma once
// AttemptLimiter: counts failures per key (an address, an account) in a sliding window and
// says when a key has had too many. Bounded memory: the oldest keys are forgotten first when
// the table is full. Thread-safe. The Clock must outlive it.
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"

namespace tether::manager {

class AttemptLimiter {
 public:
  AttemptLimiter(const Clock& clock, int max_failures, int64_t window_s, size_t max_keys = 100000)
      : clock_(clock), max_failures_(max_failures), window_s_(window_s), max_keys_(max_keys) {}

  // False while `key` has max_failures or more failures inside the window.
  bool Allowed(const std::string& key);
  void Failure(const std::string& key);
  // Seconds until `key` is allowed again (0 when it is allowed now).
  int64_t RetryAfter(const std::string& key);
  void Reset(const std::string& key);

 private:
  void PruneLocked(std::deque<int64_t>& times, int64_t now) const;

  const Clock& clock_;
  const int max_failures_;
  const int64_t window_s_;
  const size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<int64_t>> failures_;
  std::deque<std::string> order_;  // insertion order, for eviction
};

}  // namespace tether::manager
