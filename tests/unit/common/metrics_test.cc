#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "common/metrics/metrics.h"
#include "common/metrics/process_collector.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::metrics {
namespace {

using ::testing::HasSubstr;

TEST(ProcessCollector, ReportsThisProcess) {
  ProcessCollector collector;
  std::string text = prometheus::TextSerializer().Serialize(collector.Collect());
  EXPECT_THAT(text, HasSubstr("process_resident_memory_bytes"));
  EXPECT_THAT(text, HasSubstr("process_cpu_seconds_total"));
  EXPECT_THAT(text, HasSubstr("process_open_fds"));
  for (const auto& family : collector.Collect()) {
    if (family.name == "process_resident_memory_bytes") {
      EXPECT_GT(family.metric.at(0).gauge.value, 1024 * 1024);
    }
    if (family.name == "process_start_time_seconds") {
      EXPECT_GT(family.metric.at(0).gauge.value, 1.6e9);
    }
  }
}

TEST(MetricsServer, ServesProcessMetricsAndReportsItsPort) {
  auto server = MetricsServer::Start("127.0.0.1:0", "");
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_THAT((*server)->bound_address(), ::testing::StartsWith("127.0.0.1:"));
  EXPECT_NE((*server)->bound_address(), "127.0.0.1:0");
}

}  // namespace
}  // namespace berth::metrics
