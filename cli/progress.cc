#include "cli/progress.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/format.h"

namespace berth::cli {

std::string ProgressBar(int64_t current, int64_t total) {
  if (total <= 0) return HumanSize(current);
  std::string bar;
  if (current >= 0 && current <= total) {
    const int half_percent = static_cast<int>(current * 100 / total) / 2;
    bar = absl::StrCat("[", std::string(half_percent, '='), ">",
                       std::string(50 - half_percent, ' '), "] ");
  }
  return absl::StrCat(bar, absl::StrFormat("%8s", HumanSize(current)), "/", HumanSize(total));
}

void ProgressDisplay::Show(const std::string& id, const std::string& status, int64_t current,
                           int64_t total) {
  if (!terminal_) {
    // As the docker CLI without a terminal: progress messages are left out.
    if (total > 0 || status == "Downloading") return;
    if (!id.empty()) out_ << id << ": ";
    out_ << status << "\n";
    out_.flush();
    return;
  }
  std::string text = id.empty() ? status : absl::StrCat(id, ": ", status);
  if (total > 0) absl::StrAppend(&text, " ", ProgressBar(current, total));
  auto it = id.empty() ? line_of_id_.end() : line_of_id_.find(id);
  if (it == line_of_id_.end()) {
    if (!id.empty()) line_of_id_[id] = lines_;
    ++lines_;
    out_ << "\r\033[2K" << text << "\n";
  } else {
    // Up to the layer's line, rewrite it, back down (what jsonmessage does).
    const int up = lines_ - it->second;
    out_ << "\033[" << up << "A\r\033[2K" << text << "\r\033[" << up << "B";
  }
  out_.flush();
}

}  // namespace berth::cli
