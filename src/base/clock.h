#pragma once
// Clock: the only way domain code learns the time, so tests can drive it (FakeClock).
// Both implementations are thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace tether {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch (wall clock; stored in the database).
  virtual int64_t NowUnix() const = 0;
  // Monotonic time for timeouts and durations.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

class RealClock final : public Clock {
 public:
  int64_t NowUnix() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::now();
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_unix = 1'700'000'000) : unix_(start_unix) {}
  int64_t NowUnix() const override { return unix_.load(); }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::time_point(std::chrono::seconds(unix_.load()));
  }
  void Advance(std::chrono::seconds s) { unix_ += s.count(); }

 private:
  std::atomic<int64_t> unix_;
};

// "90 s", "30 min", "2 h": a configured limit, for people (session events, messages).
inline std::string DurationText(int64_t seconds) {
  if (seconds != 0 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + " h";
  if (seconds != 0 && seconds % 60 == 0) return std::to_string(seconds / 60) + " min";
  return std::to_string(seconds) + " s";
}

}  // namespace tether
