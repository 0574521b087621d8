#pragma once
// Metrics: a small registry of named counters and gauges, rendered in the Prometheus text
// format. Created by the composition root and lent to every service; all operations are
// lock-free after registration. The registry must outlive every service that holds a metric.
// A name may carry labels (`tether_relay_frames_total{direction="to_host"}`): the series of one
// family are rendered together under one HELP and TYPE.
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

namespace tether {

class Metric {
 public:
  void Add(int64_t delta = 1) { value_.fetch_add(delta, std::memory_order_relaxed); }
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Metrics {
 public:
  // kind is "counter" or "gauge". Returns a reference that stays valid for the registry's life.
  // Registering the same name twice returns the same metric.
  Metric& Counter(const std::string& name, const std::string& help);
  Metric& Gauge(const std::string& name, const std::string& help);

  std::string RenderPrometheus() const;

 private:
  struct Entry {
    std::string name, help, kind;
    Metric metric;
  };
  Metric& Register(const std::string& name, const std::string& help, const char* kind);

  mutable std::mutex mu_;
  std::deque<Entry> entries_;  // deque: stable addresses
};

}  // namespace tether
