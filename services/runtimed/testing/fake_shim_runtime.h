// FakeShimRuntime: a scriptable, in-memory ShimRuntime for unit tests of the
// lifecycle logic. It keeps the shims' observable contract (shim/protocol.h,
// ShimRuntime): a launched shim holds its process until Start, a watch
// registered before an exit always learns it, an exit ends the attach
// streams after their output, a gone shim answers Unavailable and leaves its
// recorded exit behind. The shims live in this object, not in a manager, so
// a second manager over the same fake adopts them (recovery).
//
// Scripting: Exit() ends a container on demand; IgnoreSignal() makes it
// survive SIGTERM (stop escalation); FailLaunch()/FailStart() fail a start
// with a given error; ScriptRun() says what a started container prints and
// how it ends; HoldLaunches() parks launches so that a test can race a
// second start against one in progress; Crash() makes a shim vanish without
// a record. Calls() records what the manager asked, in order.
#pragma once

#include <csignal>
#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status/status.h"
#include "common/time/clock.h"
#include "services/runtimed/shim_runtime.h"

namespace berth::runtimed::testing {

class FakeShimRuntime final : public ShimRuntime {
 public:
  explicit FakeShimRuntime(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {}

  // --- scripting ---------------------------------------------------------

  // The next Launch of `id` fails with `error` (no shim is left behind).
  void FailLaunch(const std::string& id, absl::Status error) {
    absl::MutexLock lock(&mu_);
    launch_failures_[id] = std::move(error);
  }
  // The next Start of `id` fails with `error`; the held process then exits
  // with the executor's code (127), as berth-shim's does after a failed exec.
  void FailStart(const std::string& id, absl::Status error) {
    absl::MutexLock lock(&mu_);
    start_failures_[id] = std::move(error);
  }
  // What the container of `id` does once started: writes `output` to
  // stdout, then exits with `exit_code` if set (else runs until signalled).
  struct Program {
    std::string output;
    std::optional<int> exit_code;
  };
  void ScriptRun(const std::string& id, Program program) {
    absl::MutexLock lock(&mu_);
    programs_[id] = std::move(program);
  }
  // While held, Launch blocks (after recording its call) until released.
  void HoldLaunches() {
    absl::MutexLock lock(&mu_);
    hold_launches_ = true;
  }
  void ReleaseLaunches() {
    absl::MutexLock lock(&mu_);
    hold_launches_ = false;
  }
  // Waits (real time) until `n` launches are parked by HoldLaunches.
  bool AwaitHeldLaunches(int n, absl::Duration limit = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto parked = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return held_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&parked), limit);
  }
  // The container of `id` (current and later launches) survives `signal`.
  // SIGKILL cannot be ignored.
  void IgnoreSignal(const std::string& id, int signal) {
    absl::MutexLock lock(&mu_);
    ignored_[id].insert(signal);
  }
  // The container exits with `code`: watchers learn it, attach streams end
  // after their output, the shim records the exit and goes away.
  // FailedPrecondition when it is not running.
  absl::Status Exit(const std::string& id, int code, bool oom_killed = false) {
    absl::MutexLock lock(&mu_);
    auto it = shims_.find(id);
    if (it == shims_.end() || it->second->gone) {
      return absl::FailedPreconditionError(absl::StrCat("fake shim ", id, " is not there"));
    }
    ExitLocked(*it->second, code, oom_killed);
    return absl::OkStatus();
  }
  // The shim vanishes without recording an exit (killed, crashed).
  void Crash(const std::string& id) {
    absl::MutexLock lock(&mu_);
    auto it = shims_.find(id);
    if (it == shims_.end()) return;
    it->second->gone = true;
    it->second->crashed = true;
    for (auto& stream : it->second->streams) stream->Close();
  }
  // The container writes `data` to stdout (or stderr).
  void Output(const std::string& id, bool is_stderr, const std::string& data) {
    absl::MutexLock lock(&mu_);
    auto it = shims_.find(id);
    if (it == shims_.end()) return;
    for (auto& stream : it->second->streams) stream->Push(is_stderr, data);
  }

  // --- observations ------------------------------------------------------

  // "launch <id>", "watch <id>", "start <id>", "kill <id> <signo>",
  // "resize <id> <h> <w>", "attach <id>", in call order.
  std::vector<std::string> Calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  // True while a shim of `id` is there (launched, not exited or crashed).
  bool Alive(const std::string& id) {
    absl::MutexLock lock(&mu_);
    auto it = shims_.find(id);
    return it != shims_.end() && !it->second->gone;
  }
  bool Started(const std::string& id) {
    absl::MutexLock lock(&mu_);
    auto it = shims_.find(id);
    return it != shims_.end() && it->second->started;
  }
  // Exit watches registered on the current shim of `id` and not cancelled.
  int Watchers(const std::string& id) {
    absl::MutexLock lock(&mu_);
    auto it = shims_.find(id);
    return it == shims_.end() ? 0 : it->second->watchers;
  }
  // Everything attach clients sent as stdin to `id`'s current shim.
  std::string Stdin(const std::string& id) {
    absl::MutexLock lock(&mu_);
    auto it = shims_.find(id);
    std::string all;
    if (it != shims_.end()) {
      for (auto& stream : it->second->streams) all += stream->stdin_data();
    }
    return all;
  }

  // --- ShimRuntime ---------------------------------------------------------

  absl::StatusOr<pid_t> Launch(const std::string& id, const std::string& config_path) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back(absl::StrCat("launch ", id));
    ++held_;
    auto released = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !hold_launches_; };
    mu_.Await(absl::Condition(&released));
    --held_;
    if (auto f = launch_failures_.find(id); f != launch_failures_.end()) {
      absl::Status error = f->second;
      launch_failures_.erase(f);
      return error;
    }
    if (auto it = shims_.find(id); it != shims_.end() && !it->second->gone) {
      // A second shim on one container would fight over its socket.
      return absl::AlreadyExistsError(absl::StrCat("fake shim ", id, " is already there"));
    }
    auto shim = std::make_shared<Shim>();
    shim->id = id;
    shim->pid = next_pid_++;
    shim->config_path = config_path;
    shims_[id] = shim;
    return shim->pid;
  }

  absl::StatusOr<std::unique_ptr<ExitWatch>> Watch(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back(absl::StrCat("watch ", id));
    BERTH_ASSIGN_OR_RETURN(std::shared_ptr<Shim> shim, LiveShimLocked(id));
    ++shim->watchers;
    return std::unique_ptr<ExitWatch>(new FakeExitWatch(this, shim));
  }

  absl::StatusOr<pid_t> Start(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back(absl::StrCat("start ", id));
    BERTH_ASSIGN_OR_RETURN(std::shared_ptr<Shim> shim, LiveShimLocked(id));
    if (auto f = start_failures_.find(id); f != start_failures_.end()) {
      absl::Status error = f->second;
      start_failures_.erase(f);
      ExitLocked(*shim, 127, false);
      return error;
    }
    if (shim->started) return absl::FailedPreconditionError("container already started");
    shim->started = true;
    if (auto p = programs_.find(id); p != programs_.end()) {
      if (!p->second.output.empty()) {
        for (auto& stream : shim->streams) stream->Push(false, p->second.output);
      }
      if (p->second.exit_code.has_value()) ExitLocked(*shim, *p->second.exit_code, false);
    }
    return shim->pid;
  }

  absl::Status Kill(const std::string& id, int signal) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back(absl::StrCat("kill ", id, " ", signal));
    BERTH_ASSIGN_OR_RETURN(std::shared_ptr<Shim> shim, LiveShimLocked(id));
    if (signal <= 0 || signal >= NSIG) {  // as berth-shim: no probing with 0
      return absl::FailedPreconditionError(absl::StrCat("invalid signal ", signal));
    }
    bool ignored = ignored_[id].contains(signal) && signal != SIGKILL;
    if (!ignored) ExitLocked(*shim, 128 + signal, false);
    return absl::OkStatus();
  }

  absl::Status Resize(const std::string& id, uint32_t height, uint32_t width) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back(absl::StrCat("resize ", id, " ", height, " ", width));
    return LiveShimLocked(id).status();
  }

  absl::StatusOr<std::shared_ptr<AttachStream>> Attach(const std::string& id,
                                                       AttachOptions streams) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back(absl::StrCat("attach ", id));
    BERTH_ASSIGN_OR_RETURN(std::shared_ptr<Shim> shim, LiveShimLocked(id));
    auto stream = std::make_shared<FakeAttachStream>(streams);
    shim->streams.push_back(stream);
    return std::shared_ptr<AttachStream>(stream);
  }

  absl::StatusOr<spec::ExitRecord> RecordedExit(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    auto it = shims_.find(id);
    if (it == shims_.end() || !it->second->recorded.has_value()) {
      return absl::NotFoundError(absl::StrCat("no recorded exit of ", id));
    }
    return *it->second->recorded;
  }

 private:
  // An attach stream held in memory: output frames queue up until read.
  class FakeAttachStream final : public AttachStream {
   public:
    explicit FakeAttachStream(AttachOptions options) : options_(options) {}

    absl::Status Send(const std::string& frames) override {
      absl::MutexLock lock(&mu_);
      if (closed_) return absl::UnavailableError("fake attach stream closed");
      decoder_.Feed(frames.data(), frames.size());
      while (true) {
        auto frame = decoder_.Next();
        if (!frame.ok()) return frame.status();
        if (!frame->has_value()) break;
        if ((*frame)->type == shim::kFrameStdin) stdin_ += (*frame)->payload;
      }
      return absl::OkStatus();
    }
    absl::StatusOr<std::optional<shim::Frame>> ReadFrame() override {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !frames_.empty() || closed_ || shut_;
      };
      mu_.Await(absl::Condition(&ready));
      if (shut_ || frames_.empty()) return std::nullopt;
      shim::Frame frame = std::move(frames_.front());
      frames_.pop_front();
      return frame;
    }
    void Shutdown() override {
      absl::MutexLock lock(&mu_);
      shut_ = true;
    }

    void Push(bool is_stderr, const std::string& data) {
      absl::MutexLock lock(&mu_);
      if (closed_ || shut_ || (is_stderr ? !options_.stderr : !options_.stdout)) return;
      frames_.push_back(shim::Frame{is_stderr ? shim::kFrameStderr : shim::kFrameStdout, data});
    }
    void Close() {
      absl::MutexLock lock(&mu_);
      closed_ = true;
    }
    std::string stdin_data() {
      absl::MutexLock lock(&mu_);
      return stdin_;
    }

   private:
    const AttachOptions options_;
    absl::Mutex mu_;
    std::deque<shim::Frame> frames_ ABSL_GUARDED_BY(mu_);
    shim::FrameDecoder decoder_ ABSL_GUARDED_BY(mu_);
    std::string stdin_ ABSL_GUARDED_BY(mu_);
    bool closed_ ABSL_GUARDED_BY(mu_) = false;  // the container exited
    bool shut_ ABSL_GUARDED_BY(mu_) = false;    // the client detached
  };

  struct Shim {
    std::string id;
    pid_t pid = 0;
    std::string config_path;
    bool started = false;
    bool gone = false;     // no shim process any more
    bool crashed = false;  // gone without a record
    std::optional<spec::ExitRecord> recorded;
    int watchers = 0;
    std::vector<std::shared_ptr<FakeAttachStream>> streams;
  };

  class FakeExitWatch final : public ExitWatch {
   public:
    FakeExitWatch(FakeShimRuntime* fake, std::shared_ptr<Shim> shim)
        : fake_(fake), shim_(std::move(shim)) {}
    ~FakeExitWatch() override { Cancel(); }

    absl::StatusOr<spec::ExitRecord> Wait() override {
      absl::MutexLock lock(&fake_->mu_);
      auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(fake_->mu_) {
        return cancelled_ || shim_->gone;
      };
      fake_->mu_.Await(absl::Condition(&done));
      if (shim_->recorded.has_value()) return *shim_->recorded;
      if (cancelled_) return absl::CancelledError("exit watch cancelled");
      return absl::UnavailableError("fake shim went away without reporting");
    }
    void Cancel() override {
      absl::MutexLock lock(&fake_->mu_);
      if (cancelled_) return;
      cancelled_ = true;
      --shim_->watchers;
    }

   private:
    FakeShimRuntime* fake_;
    std::shared_ptr<Shim> shim_;
    bool cancelled_ = false;  // guarded by fake_->mu_
  };

  // The shim of `id` while it is there; Unavailable as a gone shim's socket.
  absl::StatusOr<std::shared_ptr<Shim>> LiveShimLocked(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = shims_.find(id);
    if (it == shims_.end() || it->second->gone) {
      return absl::UnavailableError(absl::StrCat("connect to fake shim ", id, ": no such shim"));
    }
    return it->second;
  }

  void ExitLocked(Shim& shim, int code, bool oom_killed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    shim.recorded = spec::ExitRecord{code, absl::ToUnixNanos(clock_->Now()), oom_killed};
    shim.gone = true;
    for (auto& stream : shim.streams) stream->Close();
  }

  const std::shared_ptr<Clock> clock_;
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Shim>> shims_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Status> launch_failures_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Status> start_failures_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::set<int>> ignored_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Program> programs_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  bool hold_launches_ ABSL_GUARDED_BY(mu_) = false;
  int held_ ABSL_GUARDED_BY(mu_) = 0;
  pid_t next_pid_ ABSL_GUARDED_BY(mu_) = 40000;
};

}  // namespace berth::runtimed::testing
