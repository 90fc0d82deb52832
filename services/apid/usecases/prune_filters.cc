#include "services/apid/usecases/prune_filters.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/time/proto_time.h"

namespace berth::apid {

bool LabelMatches(const google::protobuf::Map<std::string, std::string>& labels,
                  const std::string& filter) {
  std::pair<std::string, std::string> kv = absl::StrSplit(filter, absl::MaxSplits('=', 1));
  auto it = labels.find(kv.first);
  if (it == labels.end()) return false;
  return filter.find('=') == std::string::npos || it->second == kv.second;
}

absl::StatusOr<absl::Time> ParseUntil(const std::string& value, absl::Time now) {
  absl::Duration ago;
  if (absl::ParseDuration(value, &ago)) return now - ago;
  // Unix seconds with an optional fraction.
  double seconds = 0;
  if (!value.empty() && value.find_first_not_of("0123456789.") == std::string::npos &&
      absl::SimpleAtod(value, &seconds)) {
    return absl::FromUnixNanos(static_cast<int64_t>(seconds * 1e9));
  }
  absl::Time t;
  std::string err;
  for (const char* format : {absl::RFC3339_full, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                             "%Y-%m-%d"}) {
    if (absl::ParseTime(format, value, &t, &err)) return t;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("failed to parse value as time or duration: \"", value, "\""));
}

absl::StatusOr<ContainerPruneSelector> ContainerPruneSelector::Parse(
    const PruneFilterMap& filters, absl::Time now) {
  ContainerPruneSelector selector;
  for (const auto& [key, values] : filters) {
    if (key == "label") {
      selector.labels_ = values;
    } else if (key == "label!") {
      selector.not_labels_ = values;
    } else if (key == "until") {
      if (values.size() > 1) {
        return absl::InvalidArgumentError("more than one until filter specified");
      }
      if (values.empty()) continue;
      absl::StatusOr<absl::Time> until = ParseUntil(values[0], now);
      if (!until.ok()) return until.status();
      selector.until_ = *until;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'"));
    }
  }
  return selector;
}

bool ContainerPruneSelector::Selects(const v1::Container& c) const {
  switch (c.state().status()) {
    case v1::CONTAINER_STATUS_RUNNING:
    case v1::CONTAINER_STATUS_PAUSED:
    case v1::CONTAINER_STATUS_RESTARTING:
      return false;
    default:
      break;
  }
  absl::Time created = FromTimestamp(c.created());
  if (created > until_) return false;
  const auto& labels = c.config().labels();
  for (const std::string& filter : labels_) {
    if (!LabelMatches(labels, filter)) return false;
  }
  if (!not_labels_.empty()) {
    bool all = true;
    for (const std::string& filter : not_labels_) all = all && LabelMatches(labels, filter);
    if (all) return false;
  }
  return true;
}

}  // namespace berth::apid
