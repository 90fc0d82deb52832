#pragma once

// Docker's exit code for a container whose start failed, derived from the
// start error's text: 127 when the command was not found ("executable file
// not found", "no such file or directory"), 126 when it cannot be executed
// ("permission denied", "is a directory"), else 125. One rule for everyone
// who shows it: runtimed's State.ExitCode after a failed start and the exit
// code of `berth run`.

#include "absl/strings/string_view.h"

namespace berth {

int StartFailureExitCode(absl::string_view message);

}  // namespace berth
