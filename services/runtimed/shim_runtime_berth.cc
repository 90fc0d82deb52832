#include "services/runtimed/shim_runtime_berth.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/shim_client.h"
#include "services/runtimed/shim_launcher.h"

namespace berth::runtimed {
namespace {

// The WAIT connection: its one reply line is the exit.
class SocketExitWatch final : public ExitWatch {
 public:
  explicit SocketExitWatch(std::unique_ptr<ShimConnection> conn) : conn_(std::move(conn)) {}

  absl::StatusOr<spec::ExitRecord> Wait() override {
    BERTH_ASSIGN_OR_RETURN(std::string reply, conn_->ReadReply(-1));
    std::vector<std::string> words = absl::StrSplit(reply, ' ');
    spec::ExitRecord exit;
    if (words.size() >= 3 && absl::SimpleAtoi(words[0], &exit.exit_code) &&
        absl::SimpleAtoi(words[1], &exit.finished_unix_nano)) {
      exit.oom_killed = words[2] == "1";
      return exit;
    }
    return absl::UnavailableError(absl::StrCat("bad WAIT reply '", reply, "'"));
  }

  void Cancel() override { conn_->Shutdown(); }

 private:
  std::unique_ptr<ShimConnection> conn_;
};

}  // namespace

absl::StatusOr<pid_t> BerthShimRuntime::Launch(const std::string& id,
                                               const std::string& config_path) {
  return LaunchShim(ShimLaunch{shim_path_, config_path, paths_.ShimLogFile(id)});
}

absl::StatusOr<std::unique_ptr<ExitWatch>> BerthShimRuntime::Watch(const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(auto conn, ShimConnection::Connect(paths_.ShimSocket(id)));
  BERTH_RETURN_IF_ERROR(conn->SendRequest("WAIT"));
  return std::unique_ptr<ExitWatch>(new SocketExitWatch(std::move(conn)));
}

absl::StatusOr<pid_t> BerthShimRuntime::Start(const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(std::string reply, CallShim(paths_.ShimSocket(id), "START"));
  int pid = 0;
  if (!absl::SimpleAtoi(reply, &pid)) {
    return absl::InternalError(absl::StrCat("bad START reply '", reply, "'"));
  }
  return static_cast<pid_t>(pid);
}

absl::Status BerthShimRuntime::Kill(const std::string& id, int signal) {
  // Connect fails with Unavailable when no shim listens: it is gone.
  return CallShim(paths_.ShimSocket(id), "KILL", {absl::StrCat(signal)}).status();
}

absl::Status BerthShimRuntime::Resize(const std::string& id, uint32_t height, uint32_t width) {
  return CallShim(paths_.ShimSocket(id), "RESIZE", {absl::StrCat(height), absl::StrCat(width)})
      .status();
}

absl::StatusOr<std::shared_ptr<AttachStream>> BerthShimRuntime::Attach(const std::string& id,
                                                                       AttachOptions streams) {
  BERTH_ASSIGN_OR_RETURN(std::shared_ptr<ShimConnection> conn,
                         ShimConnection::Connect(paths_.ShimSocket(id)));
  BERTH_RETURN_IF_ERROR(conn->SendRequest(
      "ATTACH", {streams.stdin ? "1" : "0", streams.stdout ? "1" : "0",
                 streams.stderr ? "1" : "0"}));
  BERTH_RETURN_IF_ERROR(conn->ReadReply(30000).status());
  return std::shared_ptr<AttachStream>(std::move(conn));
}

absl::StatusOr<spec::ExitRecord> BerthShimRuntime::RecordedExit(const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(std::string text, fs::ReadFile(paths_.ExitFile(id)));
  return spec::ExitFromJson(text);
}

}  // namespace berth::runtimed
