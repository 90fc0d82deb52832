#include "services/runtimed/top/ps_top.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <regex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/fs/fs.h"
#include "common/status/status.h"

extern char** environ;

namespace berth::runtimed::top {
namespace {

constexpr size_t kMaxOutput = 16 << 20;

// strings.Fields over ASCII whitespace only (dockerd's fieldsASCII: a
// non-ASCII space inside a command line must not split it).
std::vector<std::string> FieldsAscii(absl::string_view line) {
  std::vector<std::string> out;
  for (absl::string_view f : absl::StrSplit(line, absl::ByAnyChar("\t\n\f\r "), absl::SkipEmpty())) {
    out.emplace_back(f);
  }
  return out;
}

void AppendRow(TopResult& result, const std::vector<std::string>& fields) {
  size_t n = result.titles.size();
  std::vector<std::string> row(fields.begin(), fields.begin() + std::min(fields.size(), n - 1));
  if (fields.size() >= n) {
    std::vector<std::string> rest(fields.begin() + (n - 1), fields.end());
    row.push_back(absl::StrJoin(rest, " "));
  }
  result.processes.push_back(std::move(row));
}

}  // namespace

absl::Status ValidatePsArgs(const std::string& ps_args) {
  static const std::regex kRename(R"(\s+([^\s]*)=\s*(PID[^\s]*))");
  for (auto it = std::sregex_iterator(ps_args.begin(), ps_args.end(), kRename);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[1].str() != "pid") {
      return absl::InvalidArgumentError(
          absl::StrCat("specifying \"", (*it)[1].str(), "=", (*it)[2].str(), "\" is not allowed"));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> PsArgv(const std::string& ps_args, const std::string& pids_arg) {
  std::vector<std::string> argv = {"ps"};
  for (absl::string_view a : absl::StrSplit(ps_args.empty() ? "-ef" : ps_args, ' ',
                                            absl::SkipEmpty())) {
    argv.emplace_back(a);
  }
  if (!pids_arg.empty()) argv.push_back(pids_arg);
  return argv;
}

std::string PsPidsArg(const std::vector<pid_t>& pids) {
  return absl::StrCat("-q", absl::StrJoin(pids, ","));
}

absl::StatusOr<TopResult> ParsePsOutput(const std::string& output,
                                        const std::vector<pid_t>& pids) {
  std::vector<absl::string_view> lines = absl::StrSplit(output, '\n');
  TopResult result;
  result.titles = FieldsAscii(lines.empty() ? absl::string_view() : lines[0]);
  auto pid_title = std::find(result.titles.begin(), result.titles.end(), "PID");
  if (pid_title == result.titles.end()) {
    return absl::InvalidArgumentError("Couldn't find PID field in ps output");
  }
  const size_t pid_index = pid_title - result.titles.begin();
  bool previous_kept = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    std::vector<std::string> fields = FieldsAscii(lines[i]);
    if (fields.size() <= pid_index) continue;
    if (fields[pid_index] == "-") {
      if (previous_kept) AppendRow(result, fields);
      continue;
    }
    int pid = 0;
    if (!absl::SimpleAtoi(fields[pid_index], &pid)) {
      return absl::InvalidArgumentError(absl::StrCat("Unexpected pid '", fields[pid_index], "'"));
    }
    previous_kept = std::find(pids.begin(), pids.end(), pid) != pids.end();
    if (previous_kept) AppendRow(result, fields);
  }
  return result;
}

absl::StatusOr<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                         absl::Duration timeout) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe");
  fs::ScopedFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe");
  fs::ScopedFd err_read(err_pipe[0]), err_write(err_pipe[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return ErrnoToStatus(spawned, absl::StrCat("run '", argv[0], "'"));
  out_write.reset();
  err_write.reset();

  CommandOutput result;
  const absl::Time deadline = absl::Now() + timeout;
  bool timed_out = false;
  pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0) {
      timed_out = true;
      break;
    }
    int ready = poll(fds, 2, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[65536];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        if (sinks[i]->size() < kMaxOutput) sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return absl::DeadlineExceededError(absl::StrCat("'", argv[0], "' did not finish in ",
                                                    absl::FormatDuration(timeout)));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace berth::runtimed::top
