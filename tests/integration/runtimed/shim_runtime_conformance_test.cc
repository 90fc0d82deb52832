// The ShimRuntime conformance suite against real berth-shims (root): the
// same body that FakeShimRuntime passes in tests/unit/runtimed, so the
// manager's unit tests over the fake stand for the real shim. Containers run
// busybox on an overlay of the fixture's rootfs, in their own namespaces.
#include <dirent.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "container_fixture.h"
#include "services/runtimed/launch_files.h"
#include "services/runtimed/paths.h"
#include "services/runtimed/shim_runtime_berth.h"
#include "services/runtimed/spec/shim_config.h"
#include "services/runtimed/spec/spec_builder.h"
#include "services/runtimed/testing/shim_runtime_conformance.h"

namespace berth::runtimed::testing {
namespace {

std::vector<std::string> Command(Program program) {
  switch (program) {
    case Program::kExit3:
      return {"sh", "-c", "exit 3"};
    case Program::kEchoHello:
      return {"echo", "hello"};
    case Program::kIgnoresTerm:
      // pid 1 of its namespace without a handler: the kernel drops SIGTERM.
      return {"sleep", "1000"};
    case Program::kExitsOnTerm:
      return {"sh", "-c", "trap 'exit 143' TERM; while :; do sleep 0.05; done"};
    case Program::kMissingExecutable:
      return {"/nope"};
  }
  return {};
}

class BerthShimEnv final : public ShimRuntimeEnv {
 public:
  static std::unique_ptr<ShimRuntimeEnv> Make() {
    if (geteuid() != 0 || !std::filesystem::exists("/bin/busybox")) return nullptr;
    char tmpl[] = "/tmp/rtconf-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return nullptr;
    return std::unique_ptr<ShimRuntimeEnv>(new BerthShimEnv(tmpl));
  }

  ~BerthShimEnv() override {
    // The suite SIGKILLs its containers; shims that still linger (a failed
    // test) are ended here, then their cgroups and the dirs go.
    for (pid_t pid : OurProcesses()) kill(pid, SIGKILL);
    for (int i = 0; i < 100 && !OurProcesses().empty(); ++i) absl::SleepFor(absl::Milliseconds(20));
    for (const auto& id : ids_) {
      for (const char* controller : {"pids", "memory", "cpu"}) {
        rmdir(absl::StrCat("/sys/fs/cgroup/", controller, "/berth/", id).c_str());
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Prepare(const std::string& id, Program program) override {
    ids_.push_back(id);
    v1::Container record;
    record.set_id(id);
    for (const auto& arg : Command(program)) {
      record.mutable_config()->add_cmd(arg);
      record.add_path_and_args(arg);
    }
    record.mutable_config()->set_image("busybox-test");
    record.set_log_path(paths_.LogFile(id));
    std::string snap = absl::StrCat(dir_, "/snap/", id.substr(0, 12));
    std::filesystem::create_directories(snap + "/upper");
    std::filesystem::create_directories(snap + "/work");
    v1::Mount* mount = record.add_rootfs();
    mount->set_type("overlay");
    mount->set_source("overlay");
    mount->add_options("lowerdir=" + dir_ + "/lower");
    mount->add_options("upperdir=" + snap + "/upper");
    mount->add_options("workdir=" + snap + "/work");
    // Written exactly as ContainerManager writes them before a launch.
    auto config_file = WriteLaunchFiles(record, "", "", paths_, spec::HostFacts::OfThisProcess(),
                                        seccomp_);
    Check(config_file.status());
    return config_file.ok() ? *config_file : "";
  }

  ShimRuntime& runtime() override { return *runtime_; }
  void Reopen() override { runtime_ = std::make_unique<BerthShimRuntime>(paths_, BERTH_SHIM_PATH); }

 private:
  explicit BerthShimEnv(std::string dir)
      : dir_(std::move(dir)), paths_(dir_ + "/state", dir_ + "/run") {
    BuildBusyboxRootfs(dir_ + "/lower");
    Reopen();
  }

  static void Check(const absl::Status& status) { ASSERT_TRUE(status.ok()) << status; }

  SeccompCache seccomp_;

  std::vector<pid_t> OurProcesses() const {
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

  const std::string dir_;
  const Paths paths_;
  std::unique_ptr<BerthShimRuntime> runtime_;
  std::vector<std::string> ids_;
};

INSTANTIATE_TEST_SUITE_P(BerthShim, ShimRuntimeConformance,
                         ::testing::Values(ConformanceEnv{"BerthShim", &BerthShimEnv::Make}),
                         EnvName);

}  // namespace
}  // namespace berth::runtimed::testing
