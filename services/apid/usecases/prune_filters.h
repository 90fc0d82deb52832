#pragma once

// docker container prune's filters, as dockerd reads them: "until" (one
// value: a Go duration before now such as "24h", Unix seconds, or an RFC 3339
// date/time), "label" and "label!" ("key" or "key=value"). Pure.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "berth/v1/types.pb.h"

namespace berth::apid {

using PruneFilterMap = std::map<std::string, std::vector<std::string>>;

class ContainerPruneSelector {
 public:
  // InvalidArgument "invalid filter 'x'" for another key, for more than one
  // until value, or for an until dockerd cannot read.
  static absl::StatusOr<ContainerPruneSelector> Parse(const PruneFilterMap& filters,
                                                      absl::Time now);

  // True for a container the prune removes: not running (nor paused or
  // restarting), created before `until`, its labels matching every "label"
  // value and not all of the "label!" values.
  bool Selects(const v1::Container& container) const;

 private:
  absl::Time until_ = absl::InfiniteFuture();
  std::vector<std::string> labels_;
  std::vector<std::string> not_labels_;
};

// A "label" filter value: "key" matches when the label exists, "key=value"
// when it has that value.
bool LabelMatches(const google::protobuf::Map<std::string, std::string>& labels,
                  const std::string& filter);

// An until value as dockerd's timetypes.GetTimestamp reads it.
absl::StatusOr<absl::Time> ParseUntil(const std::string& value, absl::Time now);

}  // namespace berth::apid
