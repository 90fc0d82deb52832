#include "common/log/log.h"

#include <cstdlib>

#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace berth::log {

absl::Status Init(const std::string& name, const std::string& level) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(level);
  // from_str maps unknown strings to "off"; only accept "off" when asked for.
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError("unknown log level '" + level + "'");
  }
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z %^%l%$ [%n] %v");
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return absl::OkStatus();
}

namespace internal {
void CheckFailed(const char* cond, const char* file, int line) {
  spdlog::critical("check failed: {} at {}:{}", cond, file, line);
  spdlog::default_logger()->flush();
  std::abort();
}
}  // namespace internal

}  // namespace berth::log
