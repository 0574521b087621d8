#include "base/metrics.h"

#include <fmt/format.h>

#include <string_view>
#include <vector>

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
  auto family = [](const std::string& name) { return std::string_view(name).substr(0, name.find('{')); };
  std::string out;
  std::vector<bool> done(entries_.size(), false);
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (done[i]) continue;
    const auto name = family(entries_[i].name);
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, entries_[i].help, name, entries_[i].kind);
    for (size_t j = i; j < entries_.size(); ++j) {  // every series of the family, in order
      if (done[j] || family(entries_[j].name) != name) continue;
      done[j] = true;
      out += fmt::format("{} {}\n", entries_[j].name, entries_[j].metric.Value());
    }
  }
  return out;
}

}  // namespace tether
