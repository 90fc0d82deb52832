// `berth exec`: create the exec → start it (detached, or attached: one
// bidirectional stream) → pump stdio → read the exit code from the exec's
// inspect, as the docker CLI does.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands/client.h"
#include "cli/commands/commands.h"
#include "cli/terminal.h"

namespace berth::cli {
namespace {

constexpr size_t kStdinChunkSize = 32 * 1024;
// An exec start waits for the exec shim's readiness inside runtimed.
constexpr std::chrono::seconds kStartDeadline{120};

using ExecStream = grpc::ClientReaderWriter<berth::v1::AttachInput, berth::v1::AttachOutput>;

// Pumps stdin into the stream until EOF (then closes the process's stdin) or
// until `stop_fd` is readable.
void PumpStdin(ExecStream& stream, int stop_fd) {
  std::string buf(kStdinChunkSize, '\0');
  struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {stop_fd, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const ssize_t n = read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    berth::v1::AttachInput input;
    if (n <= 0) {
      input.set_close_stdin(true);
      stream.Write(input);
      return;
    }
    input.set_stdin(buf.data(), static_cast<size_t>(n));
    if (!stream.Write(input)) return;
  }
}

void Resize(ApiClient& client, const std::string& exec_id) {
  auto size = GetTerminalSize(STDOUT_FILENO);
  if (!size.has_value()) return;
  auto context = client.UnaryContext(std::chrono::seconds(5));
  berth::v1::ResizeExecRequest request;
  request.set_exec_id(exec_id);
  request.set_height(size->height);
  request.set_width(size->width);
  berth::v1::ResizeExecResponse response;
  // A resize racing the exec's exit fails harmlessly.
  client.stub().ResizeExec(context.get(), request, &response);
}

// The exec's exit code once the stream ended (runtimed settles it before it
// ends the stream).
int ExitCode(ApiClient& client, const std::string& exec_id) {
  auto context = client.UnaryContext();
  berth::v1::InspectExecRequest request;
  request.set_exec_id(exec_id);
  berth::v1::ExecInspect exec;
  grpc::Status status = client.stub().InspectExec(context.get(), request, &exec);
  if (!status.ok()) {
    client.PrintError(status, "berth: ");
    return kExitError;
  }
  return exec.exited() ? exec.exit_code() : kExitOk;
}

int StreamExec(ApiClient& client, const std::string& exec_id, const ExecOptions& options) {
  grpc::ClientContext context;
  std::unique_ptr<ExecStream> stream = client.stub().AttachExec(&context);
  berth::v1::AttachInput open;
  open.mutable_open()->set_container(exec_id);
  berth::v1::AttachOutput out;
  if (!stream->Write(open) || !stream->Read(&out) || !out.attached()) {
    context.TryCancel();
    grpc::Status status = stream->Finish();
    client.PrintError(status.ok() ? grpc::Status(grpc::StatusCode::INTERNAL,
                                                 "exec stream ended before it started")
                                  : status,
                      "berth: ");
    return kExitError;
  }
  std::unique_ptr<RawTerminal> raw;
  if (options.tty && options.interactive) {
    auto enabled = RawTerminal::Enable(STDIN_FILENO);
    if (enabled.ok()) raw = *std::move(enabled);
  }
  std::unique_ptr<SignalWatcher> signals;
  if (options.tty && IsTerminal(STDOUT_FILENO)) {
    // Watch first, then send the current size (a SIGWINCH in between would
    // otherwise be lost).
    auto watcher =
        SignalWatcher::Start({SIGWINCH}, [&client, &exec_id](int) { Resize(client, exec_id); });
    if (watcher.ok()) signals = *std::move(watcher);
    Resize(client, exec_id);
  }
  int stop_pipe[2] = {-1, -1};
  std::thread stdin_thread;
  if (options.interactive && pipe2(stop_pipe, O_CLOEXEC) == 0) {
    stdin_thread = std::thread([&stream, stop = stop_pipe[0]] { PumpStdin(*stream, stop); });
  }
  bool writable = true;
  while (stream->Read(&out)) {
    if (out.ended()) break;
    if (!out.has_output() || !writable) continue;
    const bool to_stderr =
        !options.tty && out.output().stream() == berth::v1::STD_STREAM_STDERR;
    writable = WriteAll(to_stderr ? STDERR_FILENO : STDOUT_FILENO, out.output().data());
  }
  if (stdin_thread.joinable()) {
    close(stop_pipe[1]);  // POLLHUP ends PumpStdin
    stdin_thread.join();
    close(stop_pipe[0]);
  }
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  signals.reset();
  if (raw) raw->Restore();
  if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
    client.PrintError(status, "berth: ");
    return kExitError;
  }
  return ExitCode(client, exec_id);
}

}  // namespace

int RunExec(const GlobalOptions& global, const ExecOptions& options) {
  if (options.tty && options.interactive && !options.detach && !IsTerminal(STDIN_FILENO)) {
    std::cerr << "berth: the input device is not a TTY" << std::endl;
    return kExitError;
  }
  ApiClient client(global.host);
  berth::v1::CreateExecRequest request;
  request.set_container(options.container);
  berth::v1::ExecConfig* config = request.mutable_config();
  for (const auto& arg : options.command) config->add_cmd(arg);
  for (const auto& e : options.env) {
    if (e.find('=') != std::string::npos) {
      config->add_env(e);
    } else if (const char* value = std::getenv(e.c_str()); value != nullptr) {
      // docker's `-e NAME`: the value from the client's environment, or
      // nothing when it is unset there.
      config->add_env(e + "=" + value);
    }
  }
  config->set_user(options.user);
  config->set_working_dir(options.workdir);
  config->set_tty(options.tty);
  config->set_privileged(options.privileged);
  config->set_attach_stdin(options.interactive && !options.detach);
  config->set_attach_stdout(!options.detach);
  config->set_attach_stderr(!options.detach);
  berth::v1::ExecInspect exec;
  {
    auto context = client.UnaryContext();
    grpc::Status status = client.stub().CreateExec(context.get(), request, &exec);
    if (!status.ok()) {
      client.PrintError(status, "berth: ");
      return kExitError;
    }
  }
  if (!options.detach) return StreamExec(client, exec.id(), options);
  auto context = client.UnaryContext(kStartDeadline);
  berth::v1::StartExecRequest start;
  start.set_exec_id(exec.id());
  berth::v1::StartExecResponse response;
  grpc::Status status = client.stub().StartExec(context.get(), start, &response);
  if (!status.ok()) {
    client.PrintError(status, "berth: ");
    return kExitError;
  }
  return kExitOk;
}

}  // namespace berth::cli
