// A pull or push progress stream shown the way the docker CLI shows it: on a
// terminal one line per layer, rewritten in place with a progress bar; when
// stdout is not a terminal, plain "<id>: <status>" lines without the
// byte-by-byte progress messages.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

namespace berth::cli {

// Docker's bar: "[=====>      ]  12.5MB/25MB" (50 columns between the
// brackets, one '=' per 2 %); only the numbers when the total is unknown.
std::string ProgressBar(int64_t current, int64_t total);

class ProgressDisplay {
 public:
  ProgressDisplay(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}

  // One message of the stream (id: a layer's short id, a tag, or empty).
  void Show(const std::string& id, const std::string& status, int64_t current, int64_t total);

 private:
  std::ostream& out_;
  bool terminal_;
  int lines_ = 0;                   // lines written so far (terminal mode)
  std::map<std::string, int> line_of_id_;  // id → its line (terminal mode)
};

}  // namespace berth::cli
