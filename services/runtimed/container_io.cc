// ContainerManager: logs (reading the json-file) and attach registration.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/container_state.h"
#include "services/runtimed/logs/rotating_log.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed {
namespace {

constexpr absl::Duration kFollowPollInterval = absl::Milliseconds(100);

// Reads complete lines appended to a json-file log since the last call. The
// shim rotates the live file by renaming it (--log-opt max-size): the tailer
// then reads the old file to its end and carries on with the new one; with
// max-file 1 the file is truncated in place, and reading starts over.
class LogTailer {
 public:
  explicit LogTailer(const std::string& path) : path_(path) {}

  // Calls `line` for each new complete entry; false from `line` stops early.
  absl::StatusOr<bool> ReadNew(const std::function<bool(const logs::LogLine&)>& line) {
    if (!fd_.valid()) {
      fd_.reset(open(path_.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd_.valid()) {
        if (errno == ENOENT) return true;  // nothing logged yet
        return ErrnoToStatus(errno, absl::StrCat("open log '", path_, "'"));
      }
    }
    BERTH_ASSIGN_OR_RETURN(bool more, Drain(line));
    if (!more) return false;
    struct stat open_file {}, at_path {};
    if (fstat(fd_.get(), &open_file) != 0) return true;
    if (stat(path_.c_str(), &at_path) == 0 && at_path.st_ino != open_file.st_ino) {
      // Rotated since the drain: the old file is complete now.
      BERTH_ASSIGN_OR_RETURN(more, Drain(line));
      fd_.reset();
      partial_.clear();
      return more ? ReadNew(line) : false;
    }
    if (open_file.st_size < lseek(fd_.get(), 0, SEEK_CUR)) {
      lseek(fd_.get(), 0, SEEK_SET);  // truncated (max-file 1)
      partial_.clear();
    }
    return true;
  }

 private:
  absl::StatusOr<bool> Drain(const std::function<bool(const logs::LogLine&)>& line) {
    char buf[64 * 1024];
    ssize_t n;
    while ((n = read(fd_.get(), buf, sizeof(buf))) > 0) {
      partial_.append(buf, static_cast<size_t>(n));
      size_t start = 0, nl;
      while ((nl = partial_.find('\n', start)) != std::string::npos) {
        auto decoded = logs::DecodeLine(partial_.substr(start, nl - start));
        start = nl + 1;
        if (!decoded.ok()) continue;  // a torn or foreign line is skipped
        if (!line(*decoded)) return false;
      }
      partial_.erase(0, start);
    }
    if (n < 0) return ErrnoToStatus(errno, absl::StrCat("read log '", path_, "'"));
    return true;
  }

  std::string path_;
  fs::ScopedFd fd_;
  std::string partial_;
};

}  // namespace

absl::Status ContainerManager::ContainerLogs(
    const LogsRequest& request, const std::function<bool(const logs::LogLine&)>& sink,
    const Cancelled& cancelled, const std::function<bool()>& flush) {
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(request.container));
    id = entry->record.id();
  }
  auto wanted = [&request](const logs::LogLine& line) {
    if (line.stream == "stdout" && !request.stdout) return false;
    if (line.stream == "stderr" && !request.stderr) return false;
    return line.time_unix_nano > request.since_unix_nano;
  };
  auto flushed = [&flush] { return flush == nullptr || flush(); };
  // The rotated files, oldest first, then the live one, which is followed.
  const std::string live = paths_.LogFile(id);
  std::vector<std::string> files = logs::LogFilesOldestFirst(live);
  files.pop_back();
  LogTailer tailer(live);
  // Every kept entry in order, until `line` returns false.
  auto read_all = [&](const std::function<bool(const logs::LogLine&)>& line) -> absl::StatusOr<bool> {
    for (const std::string& file : files) {
      BERTH_ASSIGN_OR_RETURN(bool more, LogTailer(file).ReadNew(line));
      if (!more) return false;
    }
    return tailer.ReadNew(line);
  };
  if (request.tail < 0) {
    // The whole log: straight to the sink, never held in memory.
    BERTH_ASSIGN_OR_RETURN(bool more, read_all([&](const logs::LogLine& line) {
      return !wanted(line) || sink(line);
    }));
    if (!more) return absl::OkStatus();
  } else {
    std::deque<logs::LogLine> backlog;
    BERTH_RETURN_IF_ERROR(read_all([&](const logs::LogLine& line) {
                            if (!wanted(line)) return true;
                            backlog.push_back(line);
                            if (backlog.size() > static_cast<size_t>(request.tail)) {
                              backlog.pop_front();
                            }
                            return true;
                          }).status());
    for (const auto& line : backlog) {
      if (!sink(line)) return absl::OkStatus();
    }
  }
  if (!flushed() || !request.follow) return absl::OkStatus();
  auto forward = [&](const logs::LogLine& line) { return !wanted(line) || sink(line); };
  while (!cancelled()) {
    bool running;
    {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(id);
      running = it != entries_.end() &&
                (IsRunning(it->second->record.state().status()) || it->second->starting);
    }
    // Read after the state check: the shim flushes the log before it reports
    // the exit, so a final read after "not running" sees everything.
    BERTH_ASSIGN_OR_RETURN(bool more, tailer.ReadNew(forward));
    if (!more || !flushed() || !running) return absl::OkStatus();
    absl::SleepFor(kFollowPollInterval);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<AttachSession>> ContainerManager::Attach(const std::string& ref,
                                                                        AttachOptions options) {
  std::shared_ptr<AttachSession> session;
  {
    absl::MutexLock lock(&mu_);
    BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
    session = std::make_shared<AttachSession>(entry->record.id(), options);
    if (!IsRunning(entry->record.state().status())) {
      // Connected by the next Start, before the process is released.
      entry->pending_attaches.push_back(session);
      return session;
    }
  }
  absl::Status status = session->Connect(*shims_);
  if (!status.ok()) {
    // The container exited in the meantime: an attach that ends at once.
    spdlog::debug("container={} attach: {}", session->container_id().substr(0, 12),
                  status.ToString());
    session->End();
  }
  return session;
}

}  // namespace berth::runtimed
