#include "tests/e2e/support/stack.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace berth::e2e {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return Trim(ss.str());
}

}  // namespace

bool IsRoot() { return ::geteuid() == 0; }

std::string Stack::SourceDir() { return BERTH_SOURCE_DIR; }
std::string Stack::BuildDir() { return BERTH_BUILD_DIR; }

std::unique_ptr<Stack> Stack::StartWithBusybox(std::string* error) {
  std::unique_ptr<Stack> stack = Start(error);
  if (stack == nullptr) return nullptr;
  std::string tar = stack->BusyboxTar();
  if (tar.empty()) {
    *error = "could not make the busybox rootfs tarball";
    return nullptr;
  }
  CommandResult imported = stack->Berth("import " + tar + " busybox:latest");
  if (imported.exit_code != 0) {
    *error = "import busybox: " + imported.out + imported.err;
    return nullptr;
  }
  return stack;
}

std::unique_ptr<Stack> Stack::Start(std::string* error) {
  // Keep the root short: unix socket paths under it must fit in 108 bytes.
  char tmpl[] = "/tmp/bte-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    *error = "mkdtemp failed";
    return nullptr;
  }
  std::unique_ptr<Stack> stack(new Stack());
  stack->root_ = tmpl;
  CommandResult up = stack->Up();
  if (up.exit_code != 0) {
    *error = "berth-up failed (" + std::to_string(up.exit_code) + "): " + up.err + up.out;
    return nullptr;  // the destructor tears down whatever did start
  }
  std::istringstream lines(up.out);
  std::string line;
  while (std::getline(lines, line)) {
    const std::string kBerth = "export BERTH_HOST=";
    const std::string kDocker = "export DOCKER_HOST=";
    if (line.rfind(kBerth, 0) == 0) stack->berth_host_ = line.substr(kBerth.size());
    if (line.rfind(kDocker, 0) == 0) stack->docker_host_ = line.substr(kDocker.size());
  }
  if (stack->berth_host_.empty() || stack->docker_host_.empty()) {
    *error = "berth-up printed no export lines: " + up.out;
    return nullptr;
  }
  return stack;
}

Stack::~Stack() {
  if (root_.empty()) return;
  CommandOptions options;
  options.timeout = std::chrono::seconds(120);
  options.env["BERTH_BIN_DIR"] = BuildDir();
  RunShell(SourceDir() + "/deploy/berth-down --purge --root " + ShellQuote(root_), options);
  RunShell("rm -rf " + ShellQuote(root_));
}

CommandOptions Stack::WithEnv(const CommandOptions& options) const {
  CommandOptions out = options;
  out.env["BERTH_BIN_DIR"] = BuildDir();
  if (!berth_host_.empty()) out.env["BERTH_HOST"] = berth_host_;
  if (!docker_host_.empty()) out.env["DOCKER_HOST"] = docker_host_;
  out.env["DOCKER_CONFIG"] = root_ + "/docker-config";
  out.env["PATH"] = BuildDir() + "/cli:" + std::string(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
  return out;
}

CommandResult Stack::Up() const {
  CommandOptions options;
  options.timeout = std::chrono::seconds(120);
  return RunShell(SourceDir() + "/deploy/berth-up --root " + ShellQuote(root_), WithEnv(options));
}

CommandResult Stack::Berth(const std::string& args, const CommandOptions& options) const {
  return RunShell(BuildDir() + "/cli/berth " + args, WithEnv(options));
}

CommandResult Stack::Docker(const std::string& args, const CommandOptions& options) const {
  return RunShell("docker " + args, WithEnv(options));
}

CommandResult Stack::Shell(const std::string& command, const CommandOptions& options) const {
  return RunShell(command, WithEnv(options));
}

std::string Stack::BusyboxTar() const {
  std::string tar = root_ + "/busybox.tar";
  if (Shell("test -s " + tar).exit_code == 0) return tar;
  // Made once per build dir and copied: on a loaded machine the script
  // (hundreds of applet links) takes longer than a command's timeout.
  const std::string cached = BuildDir() + "/e2e-busybox-rootfs.tar";
  CommandOptions slow;
  slow.timeout = std::chrono::seconds(300);
  if (Shell("test -s " + ShellQuote(cached)).exit_code != 0) {
    const std::string temp = cached + "." + std::to_string(::getpid());
    CommandResult made = Shell(SourceDir() + "/scripts/make-busybox-rootfs.sh " +
                                   ShellQuote(temp) + " && mv " + ShellQuote(temp) + " " +
                                   ShellQuote(cached),
                               slow);
    if (made.exit_code != 0) return "";
  }
  return Shell("cp " + ShellQuote(cached) + " " + ShellQuote(tar)).exit_code == 0 ? tar : "";
}

int Stack::ServicePid(const std::string& service) const {
  std::string pid = ReadSmallFile(root_ + "/run/" + service + ".pid");
  return pid.empty() ? -1 : std::atoi(pid.c_str());
}

std::string Stack::MetricsAddress(const std::string& service) const {
  return ReadSmallFile(root_ + "/run/" + service + ".metrics");
}

std::string Stack::bridge() const {
  std::ifstream in(root_ + "/lib/stack.env");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("BRIDGE=", 0) == 0) return line.substr(7);
  }
  return "";
}

}  // namespace berth::e2e
