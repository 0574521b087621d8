#include "base/metrics.h"

#include <fmt/format.h>

namespace tether {

Metric& Metrics::Counter(const std::string& name, const std::string& help) {
  return Register(name, help, "counter");
}

Metric& Metrics::Gauge(const std::string& name, const std::string& help) {
  return Register(name, help, "gauge");
}

Metric& Metrics::Register(const std::string& name, const std::string& help, const char* kind) {
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {
    if (e.name == name) return e.metric;
  }
  auto& e = entries_.emplace_back();
  e.name = name;
  e.help = help;
  e.kind = kind;
  return e.metric;
}

std::string Metrics::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& e : entries_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", e.name, e.help, e.name, e.kind,
                       e.name, e.metric.Value());
  }
  return out;
}

}  // namespace tether
