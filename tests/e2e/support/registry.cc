#include "tests/e2e/support/registry.h"

#include <signal.h>

#include <fstream>

#include "tests/e2e/support/command.h"

namespace berth::e2e {

bool LocalRegistry::Available() { return RunShell("command -v docker-registry").exit_code == 0; }

int FreeLoopbackPort() {
  CommandResult port = RunShell(
      "python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); "
      "print(s.getsockname()[1])'");
  return port.exit_code == 0 ? std::stoi(port.out) : -1;
}

std::unique_ptr<LocalRegistry> LocalRegistry::Start(const std::string& dir,
                                                    const std::string& htpasswd_file,
                                                    std::string* error) {
  std::unique_ptr<LocalRegistry> registry(new LocalRegistry());
  registry->dir_ = dir;
  int port = FreeLoopbackPort();
  if (port <= 0) {
    *error = "no free port";
    return nullptr;
  }
  registry->address_ = "127.0.0.1:" + std::to_string(port);
  if (RunShell("mkdir -p " + ShellQuote(dir + "/data")).exit_code != 0) {
    *error = "cannot create " + dir;
    return nullptr;
  }
  {
    std::ofstream config(dir + "/config.yml");
    config << "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
           << dir << "/data\n  delete:\n    enabled: true\nhttp:\n  addr: " << registry->address_
           << "\n";
    if (!htpasswd_file.empty()) {
      config << "auth:\n  htpasswd:\n    realm: berth-test\n    path: " << htpasswd_file << "\n";
    }
  }
  CommandResult started = RunShell("docker-registry serve " + ShellQuote(dir + "/config.yml") +
                                   " >" + ShellQuote(dir + "/log") + " 2>&1 & echo $!");
  if (started.exit_code != 0) {
    *error = "docker-registry did not start: " + started.err;
    return nullptr;
  }
  registry->pid_ = std::stoi(started.out);
  // Up when /v2/ answers at all (200, or 401 behind auth).
  CommandResult up = RunShell("for i in $(seq 100); do c=$(curl -s -o /dev/null -w '%{http_code}' "
                              "http://" + registry->address_ +
                              "/v2/); [ \"$c\" = 200 ] || [ \"$c\" = 401 ] && exit 0; "
                              "sleep 0.1; done; exit 1");
  if (up.exit_code != 0) {
    *error = "docker-registry did not answer: " + registry->Log();
    return nullptr;
  }
  return registry;
}

LocalRegistry::~LocalRegistry() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  RunShell("for i in $(seq 50); do kill -0 " + std::to_string(pid_) +
           " 2>/dev/null || exit 0; sleep 0.1; done; kill -9 " + std::to_string(pid_));
}

std::string LocalRegistry::Log() const { return ReadFileText(dir_ + "/log"); }

}  // namespace berth::e2e
