#include "container_fixture.h"

#include <dirent.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/fs/fs.h"

namespace berth::runtimed::testing {
namespace {

std::string RandomId() {
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 8; ++i) id += absl::StrFormat("%08x", rd());
  return id;
}

}  // namespace

void BuildBusyboxRootfs(const std::string& lower) {
  namespace fs = std::filesystem;
  for (const char* d : {"bin", "etc", "proc", "dev", "sys", "tmp", "root"}) {
    fs::create_directories(lower + "/" + d);
  }
  fs::copy_file("/bin/busybox", lower + "/bin/busybox");
  for (const char* applet : {"sh", "echo", "cat", "ps", "hostname", "tty", "sleep", "ls", "id",
                             "true", "false", "env", "stty", "mount", "grep", "wc", "pwd", "readlink", "head", "tr"}) {
    fs::create_symlink("busybox", lower + "/bin/" + applet);
  }
  std::ofstream(lower + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n"
                                       << "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n";
  std::ofstream(lower + "/etc/group") << "root:x:0:\nnogroup:x:65534:\n";
}

void ContainerTest::SetUp() {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, overlay mounts)";
  if (!std::filesystem::exists("/bin/busybox")) GTEST_SKIP() << "needs busybox-static";
  char tmpl[] = "/tmp/rtit-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  BuildBusyboxRootfs(dir_ + "/lower");
  StartManager();
}

void ContainerTest::StartManager() {
  auto manager = ContainerManager::Create(
      ManagerConfig{dir_ + "/state", dir_ + "/run", BERTH_SHIM_PATH}, nullptr);
  ASSERT_TRUE(manager.ok()) << manager.status();
  manager_ = std::move(*manager);
}

void ContainerTest::TearDown() {
  if (dir_.empty()) return;
  if (manager_ != nullptr) {
    for (const auto& id : ids_) (void)manager_->RemoveContainer(id, /*force=*/true);
  }
  manager_.reset();
  for (pid_t pid : OurProcesses()) kill(pid, SIGKILL);
  for (const auto& id : ids_) {
    for (const char* controller : {"pids", "memory", "cpu"}) {
      rmdir(absl::StrCat("/sys/fs/cgroup/", controller, "/berth/", id).c_str());
    }
  }
  EXPECT_TRUE(OurMounts().empty()) << "mounts left behind: " << OurMounts()[0];
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

v1::Container ContainerTest::Create(const std::vector<std::string>& cmd,
                                    const RunOptions& options) {
  CreateRequest request;
  request.id = RandomId();
  request.name = options.name;
  for (const auto& arg : cmd) request.config.add_cmd(arg);
  request.config.set_image("busybox-test");
  request.config.set_tty(options.tty);
  request.config.set_open_stdin(options.open_stdin);
  request.config.set_stdin_once(options.open_stdin);
  request.config.set_auto_remove(options.auto_remove);
  std::string snap = absl::StrCat(dir_, "/snap/", request.id.substr(0, 12));
  std::filesystem::create_directories(snap + "/upper");
  std::filesystem::create_directories(snap + "/work");
  v1::Mount mount;
  mount.set_type("overlay");
  mount.set_source("overlay");
  mount.add_options("lowerdir=" + dir_ + "/lower");
  mount.add_options("upperdir=" + snap + "/upper");
  mount.add_options("workdir=" + snap + "/work");
  request.rootfs.push_back(mount);
  auto record = manager_->CreateContainer(request);
  EXPECT_TRUE(record.ok()) << record.status();
  ids_.push_back(request.id);
  return record.ok() ? *record : v1::Container();
}

std::string ContainerTest::Logs(const std::string& id) {
  std::string out;
  LogsRequest request;
  request.container = id;
  absl::Status status = manager_->ContainerLogs(
      request,
      [&out](const logs::LogLine& line) {
        out += line.data;
        return true;
      },
      [] { return false; });
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

int ContainerTest::WaitExit(const std::string& id) {
  auto result = manager_->WaitContainer(id, v1::WAIT_CONDITION_NOT_RUNNING, [] {},
                                        [] { return false; });
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? result->exit_code : -1;
}

std::string ContainerTest::ReadAll(AttachSession& session) {
  std::string out;
  while (auto chunk = session.Read()) out += chunk->data;
  return out;
}

std::vector<pid_t> ContainerTest::OurProcesses() const {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = atoi(entry.path().filename().c_str());
    if (pid <= 0 || pid == getpid()) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::stringstream cmdline;
    cmdline << in.rdbuf();
    if (cmdline.str().find(dir_) != std::string::npos) pids.push_back(pid);
  }
  return pids;
}

std::vector<std::string> ContainerTest::OurMounts() const {
  std::vector<std::string> lines;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.find(dir_) != std::string::npos) lines.push_back(line);
  }
  return lines;
}

}  // namespace berth::runtimed::testing
