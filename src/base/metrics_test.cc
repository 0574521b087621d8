#include "base/metrics.h"

#include <gtest/gtest.h>

namespace tether {
namespace {

TEST(MetricsTest, RendersOneFamilyOfLabelledSeriesUnderOneHeader) {
  Metrics m;
  m.Counter("tether_a_total{dir=\"in\"}", "A things").Add(2);
  m.Gauge("tether_b", "B level").Set(7);
  m.Counter("tether_a_total{dir=\"out\"}", "A things").Add(3);
  EXPECT_EQ(m.RenderPrometheus(),
            "# HELP tether_a_total A things\n# TYPE tether_a_total counter\n"
            "tether_a_total{dir=\"in\"} 2\ntether_a_total{dir=\"out\"} 3\n"
            "# HELP tether_b B level\n# TYPE tether_b gauge\ntether_b 7\n");
}

TEST(MetricsTest, SameNameIsSameMetric) {
  Metrics m;
  m.Counter("tether_c_total", "C").Add();
  m.Counter("tether_c_total", "C").Add();
  EXPECT_EQ(m.Counter("tether_c_total", "C").Value(), 2);
}

}  // namespace
}  // namespace tether
