#include "services/runtimed/spec/log_options.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/format/byte_size.h"

namespace berth::runtimed::spec {

absl::StatusOr<logs::RotationPolicy> BuildLogRotation(const v1::LogConfig& config) {
  if (!config.type().empty() && config.type() != "json-file") {
    return absl::InvalidArgumentError(absl::StrCat(
        "logging driver \"", config.type(), "\" is not supported: Berth writes json-file logs"));
  }
  logs::RotationPolicy policy;
  for (const auto& [key, value] : config.options()) {
    if (key == "max-size") {
      absl::StatusOr<int64_t> size = format::ParseRamInBytes(value);
      if (!size.ok()) return size.status();
      // dockerd: "-1" means unlimited too; go-units refuses negatives, so
      // only 0 and up get here.
      policy.max_size = *size;
    } else if (key == "max-file") {
      int files = 0;
      if (!absl::SimpleAtoi(value, &files)) {
        return absl::InvalidArgumentError(
            absl::StrCat("strconv.Atoi: parsing \"", value, "\": invalid syntax"));
      }
      if (files < 1) return absl::InvalidArgumentError("max-file cannot be less than 1");
      policy.max_files = files;
    } else if (key == "compress" || key == "labels" || key == "labels-regex" || key == "env" ||
               key == "env-regex" || key == "tag") {
      return absl::InvalidArgumentError(
          absl::StrCat("log opt '", key, "' of the json-file driver is not supported by Berth yet"));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown log opt '", key, "' for json-file log driver"));
    }
  }
  if (policy.max_size == 0 && policy.max_files > 1) {
    return absl::InvalidArgumentError("max-file cannot be greater than 1 without max-size");
  }
  return policy;
}

}  // namespace berth::runtimed::spec
