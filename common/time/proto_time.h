// absl::Time <-> google.protobuf.Timestamp. The arithmetic (splitting into
// seconds and nanos, times before the epoch) is protobuf's own TimeUtil; for a
// count of Unix nanoseconds call TimeUtil::NanosecondsToTimestamp and
// TimestampToNanoseconds directly. Header-only: every user already links
// libprotobuf through its proto library.
#pragma once

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include "absl/time/time.h"

namespace berth {

inline google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

inline absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixNanos(google::protobuf::util::TimeUtil::TimestampToNanoseconds(ts));
}

}  // namespace berth
