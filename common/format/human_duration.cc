#include "common/format/human_duration.h"

#include "absl/strings/str_cat.h"

namespace berth::format {

std::string HumanDuration(absl::Duration d) {
  const int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < 1) {
    return "Less than a second";
  }
  if (seconds == 1) {
    return "1 second";
  }
  if (seconds < 60) {
    return absl::StrCat(seconds, " seconds");
  }
  const int64_t minutes = absl::ToInt64Minutes(d);
  if (minutes == 1) {
    return "About a minute";
  }
  if (minutes < 60) {
    return absl::StrCat(minutes, " minutes");
  }
  // go-units rounds hours to the nearest hour from here on.
  const int64_t hours = static_cast<int64_t>(absl::ToDoubleHours(d) + 0.5);
  if (hours == 1) {
    return "About an hour";
  }
  if (hours < 48) {
    return absl::StrCat(hours, " hours");
  }
  if (hours < 24 * 7 * 2) {
    return absl::StrCat(hours / 24, " days");
  }
  if (hours < 24 * 30 * 2) {
    return absl::StrCat(hours / 24 / 7, " weeks");
  }
  if (hours < 24 * 365 * 2) {
    return absl::StrCat(hours / 24 / 30, " months");
  }
  return absl::StrCat(absl::ToInt64Hours(d) / 24 / 365, " years");
}

}  // namespace berth::format
