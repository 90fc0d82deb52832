#pragma once

#include <string>

#include "absl/time/time.h"

namespace berth::format {

// Docker's (go-units) HumanDuration, as `docker ps` shows it in "Up 2 seconds"
// and "Exited (3) 5 seconds ago": "Less than a second", "1 second",
// "N seconds", "About a minute", "N minutes", "About an hour", "N hours",
// "N days", "N weeks", "N months", "N years". Negative durations (clock skew
// between client and daemon) count as "Less than a second".
std::string HumanDuration(absl::Duration d);

}  // namespace berth::format
