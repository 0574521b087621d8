#pragma once
// AttemptLimiter: counts failures per key (an address, an account) in a sliding window and
// says when a key has had too many. With a lock time, reaching the limit locks the key for that
// long and starts its count afresh; without, the key is free again as soon as enough failures
// have left the window. Bounded memory: the oldest keys are forgotten first when the table is
// full. Thread-safe. The Clock must outlive it.
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"

namespace tether::manager {

class AttemptLimiter {
 public:
  AttemptLimiter(const Clock& clock, int max_failures, int64_t window_s, size_t max_keys = 100000,
                 int64_t lock_s = 0)
      : clock_(clock), max_failures_(max_failures), window_s_(window_s), max_keys_(max_keys),
        lock_s_(lock_s) {}

  // False while `key` has max_failures or more failures inside the window.
  bool Allowed(const std::string& key);
  void Failure(const std::string& key);
  // Seconds until `key` is allowed again (0 when it is allowed now).
  int64_t RetryAfter(const std::string& key);
  void Reset(const std::string& key);
  // New limits (the settings changed at runtime); failures already counted stay counted.
  void SetLimits(int max_failures, int64_t window_s, int64_t lock_s);

 private:
  struct Entry {
    std::deque<int64_t> times;
    int64_t locked_until = 0;
  };
  void PruneLocked(std::deque<int64_t>& times, int64_t now) const;

  const Clock& clock_;
  std::mutex mu_;
  int max_failures_;  // these three guarded by mu_
  int64_t window_s_;
  const size_t max_keys_;
  int64_t lock_s_;
  std::unordered_map<std::string, Entry> failures_;
  std::deque<std::string> order_;  // insertion order, for eviction
};

}  // namespace tether::manager
