// berth-shim: the per-container monitor. Usage: berth-shim <config.json>
//
// Started by runtimed fully detached (own session, stdio on a log file). It
// reports "CREATED <pid>" or "ERROR <text>" on fd 3 (protocol.h), then serves
// shim.sock until the container has exited and the exit is recorded.
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "services/runtimed/shim/protocol.h"
#include "services/runtimed/shim/shim_server.h"
#include "services/runtimed/spec/shim_config.h"
#include "spdlog/spdlog.h"

namespace {

void Report(const std::string& line) {
  std::string text = line + "\n";
  if (write(berth::runtimed::shim::kReadyFd, text.data(), text.size()) < 0) {
    spdlog::warn("readiness fd: {}", std::strerror(errno));
  }
  close(berth::runtimed::shim::kReadyFd);
}

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: berth-shim <config.json>\n");
    return 2;
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%f%z berth-shim[%P] %l %v");
  // Orphaned grandchildren of the container are reparented to us, not to the
  // host's init, so they are reaped and cannot outlive the container unseen.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  setsid();
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, SIG_IGN);
  std::signal(SIGINT, SIG_IGN);

  auto text = berth::fs::ReadFile(argv[1]);
  if (!text.ok()) {
    Report("ERROR " + OneLine(std::string(text.status().message())));
    return 1;
  }
  auto config = berth::runtimed::spec::FromJson(*text);
  if (!config.ok()) {
    Report("ERROR " + OneLine(std::string(config.status().message())));
    return 1;
  }
  berth::runtimed::shim::ShimServer server(*std::move(config));
  auto pid = server.CreateContainer();
  if (!pid.ok()) {
    spdlog::error("create: {}", pid.status().ToString());
    Report("ERROR " + OneLine(std::string(pid.status().message())));
    return 1;
  }
  Report(absl::StrCat("CREATED ", *pid));
  server.Run();
  return 0;
}
