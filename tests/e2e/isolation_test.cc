// Docker's default confinement, checked from inside a busybox container of a
// private stack: capabilities, seccomp, no_new_privs, masked and read-only
// /proc paths, the device cgroup, the pids limit, rlimits and the options that
// change them. The privileged operations are tried with busybox applets and
// with bench/security_probe/probe.c, a static probe built by the fixture,
// whose --privileged runs are the control that the probe can see success.
// Each TEST is its own ctest entry (e.g. "IsolationTest.ForkBombStopsAtPidsLimit").
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Docker's 14 default capabilities as a CapBnd/CapEff mask.
constexpr char kDockerDefaultCaps[] = "00000000a80425fb";
constexpr int kCapChown = 0;
constexpr int kCapNetAdmin = 12;
// runtimed's --default_pids_limit, which deploy/berth-up leaves at its default.
constexpr int kPidsLimit = 4096;


// The value of "Field:" in a /proc/<pid>/status text, or "" when absent.
std::string StatusField(const std::string& status, const std::string& field) {
  std::istringstream lines(status);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::string value = line.substr(field.size() + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return Trimmed(value);
    }
  }
  return "";
}

uint64_t HexMask(const std::string& hex) { return std::stoull(hex.empty() ? "0" : hex, nullptr, 16); }

std::string ReadHostFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "major:minor" of the host's first block device in /proc/partitions: the
// disk a container must not be able to read through a node it makes itself.
std::string FirstHostDisk() {
  std::istringstream lines(ReadHostFile("/proc/partitions"));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    int major = -1, minor = -1;
    if (fields >> major >> minor) return std::to_string(major) + " " + std::to_string(minor);
  }
  return "8 0";
}

// A stack with busybox:latest and, when a static C toolchain exists,
// secprobe:latest (busybox plus /usr/local/bin/secprobe).
class IsolationFixture {
 protected:
  void StartStack() {
    std::string error;
    stack_ = Stack::StartWithBusybox(&error);
    ASSERT_NE(stack_, nullptr) << error;
  }

  // Builds the probe and imports secprobe:latest; false (with the reason in
  // *why) when this machine cannot build a static binary.
  bool ImportProbeImage(std::string* why) {
    if (access("/usr/lib/x86_64-linux-gnu/libc.a", R_OK) != 0 && access("/usr/lib/libc.a", R_OK) != 0) {
      *why = "no static libc (libc6-dev) to build the probe";
      return false;
    }
    std::string dir = stack_->root() + "/probe-image";
    std::string tar = stack_->root() + "/secprobe.tar";
    CommandResult built = stack_->Shell(
        "mkdir -p " + dir + "/usr/local/bin && cc -static -O2 -o " + dir +
        "/usr/local/bin/secprobe " + Stack::SourceDir() + "/bench/security_probe/probe.c && cp " +
        stack_->BusyboxTar() + " " + tar + " && tar --numeric-owner --owner=0 --group=0 -C " + dir +
        " -rf " + tar + " ./usr/local");
    if (built.exit_code != 0) {
      *why = "cc -static failed: " + built.err;
      return false;
    }
    CommandResult imported = stack_->Docker("import " + tar + " secprobe:latest");
    if (imported.exit_code != 0) {
      *why = "import: " + imported.err;
      return false;
    }
    return true;
  }

  // The container's own /proc/self/status under `options`.
  std::string ContainerStatus(const std::string& cli, const std::string& options) {
    CommandResult run = cli == "docker"
                            ? stack_->Docker("run --rm " + options + " busybox cat /proc/self/status")
                            : stack_->Berth("run --rm " + options + " busybox cat /proc/self/status");
    EXPECT_EQ(run.exit_code, 0) << cli << " " << options << ": " << run.err;
    return run.out;
  }

  std::unique_ptr<Stack> stack_;
};

// Cases run through both faces: the docker CLI (REST) and `berth run` (gRPC).
class IsolationCliTest : public IsolationFixture, public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    StartStack();
  }
  void TearDown() override { stack_.reset(); }
};

TEST_P(IsolationCliTest, DefaultCapabilitiesSeccompAndNoNewPrivs) {
  std::string status = ContainerStatus(GetParam(), "");
  EXPECT_EQ(StatusField(status, "CapBnd"), kDockerDefaultCaps) << status;
  EXPECT_EQ(StatusField(status, "CapEff"), kDockerDefaultCaps);
  EXPECT_EQ(StatusField(status, "CapPrm"), kDockerDefaultCaps);
  EXPECT_EQ(StatusField(status, "CapInh"), "0000000000000000");
  EXPECT_EQ(StatusField(status, "CapAmb"), "0000000000000000");
  EXPECT_EQ(StatusField(status, "Seccomp"), "2");
  EXPECT_EQ(StatusField(status, "NoNewPrivs"), "0");
}

TEST_P(IsolationCliTest, NoNewPrivilegesOption) {
  std::string status = ContainerStatus(GetParam(), "--security-opt no-new-privileges");
  EXPECT_EQ(StatusField(status, "NoNewPrivs"), "1") << status;
  EXPECT_EQ(StatusField(status, "Seccomp"), "2");
  EXPECT_EQ(StatusField(status, "CapEff"), kDockerDefaultCaps);
}

TEST_P(IsolationCliTest, CapAddAndCapDropChangeExactlyThoseBits) {
  std::string status = ContainerStatus(GetParam(), "--cap-add NET_ADMIN --cap-drop CHOWN");
  uint64_t expected = (HexMask(kDockerDefaultCaps) | (uint64_t{1} << kCapNetAdmin)) &
                      ~(uint64_t{1} << kCapChown);
  EXPECT_EQ(HexMask(StatusField(status, "CapBnd")), expected) << status;
  EXPECT_EQ(HexMask(StatusField(status, "CapEff")), expected);
}

TEST_P(IsolationCliTest, ReadOnlyRootfsLeavesDevShmWritable) {
  std::string probe =
      "busybox sh -c 'touch /berth-x 2>&1; echo root=$?; touch /tmp/berth-x 2>&1; echo tmp=$?; "
      "touch /dev/shm/berth-x; echo shm=$?'";
  CommandResult run = GetParam() == "docker" ? stack_->Docker("run --rm --read-only " + probe)
                                             : stack_->Berth("run --rm --read-only " + probe);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Read-only file system"));
  EXPECT_THAT(run.out, HasSubstr("root=1"));
  EXPECT_THAT(run.out, HasSubstr("tmp=1"));  // as in Docker: --read-only has no /tmp tmpfs
  EXPECT_THAT(run.out, HasSubstr("shm=0"));
  // Control: without the option the same writes succeed.
  CommandResult writable = stack_->Docker("run --rm " + probe);
  EXPECT_THAT(writable.out, HasSubstr("root=0"));
}

INSTANTIATE_TEST_SUITE_P(Cli, IsolationCliTest, ::testing::Values("docker", "berth"),
                         [](const auto& info) { return info.param; });

class IsolationTest : public IsolationFixture, public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    StartStack();
  }
  void TearDown() override { stack_.reset(); }

  // Runs `command` (a shell line) in a fresh container with `options`.
  CommandResult Sh(const std::string& options, const std::string& image,
                   const std::string& command) {
    return stack_->Docker("run --rm " + options + " " + image + " sh -c " + ShellQuote(command));
  }
};

TEST_F(IsolationTest, PrivilegedOperationsFailWithBusyboxApplets) {
  CommandResult run = Sh("", "busybox",
                         "mount -t tmpfs t /tmp 2>&1; echo mount=$?; "
                         "unshare -U true 2>&1; echo unshare=$?; "
                         "date -s 2001.01.01-00:00:00 2>&1; echo year=$(date +%Y); "
                         "insmod /bin/busybox 2>&1; echo insmod=$?");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("mount=1"));
  EXPECT_THAT(run.out, HasSubstr("unshare(0x10000000): Operation not permitted"));
  EXPECT_THAT(run.out, Not(HasSubstr("unshare=0")));
  // busybox date reports the refusal but exits 0; the clock is what counts.
  EXPECT_THAT(run.out, HasSubstr("can't set date: Operation not permitted"));
  EXPECT_THAT(run.out, Not(HasSubstr("year=2001")));
  EXPECT_THAT(run.out, HasSubstr("can't insert '/bin/busybox': Operation not permitted"));
}

TEST_F(IsolationTest, PrivilegedSyscallsAreRefused) {
  std::string why;
  if (!ImportProbeImage(&why)) GTEST_SKIP() << why;
  const std::string ops[] = {"mount",        "unshare_user", "unshare_mount", "add_key",
                             "keyctl",       "init_module",  "finit_module",  "clock_settime"};
  std::string script;
  for (const auto& op : ops) script += "secprobe " + op + "; ";
  CommandResult confined = Sh("", "secprobe", script);
  for (const auto& op : ops) {
    EXPECT_THAT(confined.out, HasSubstr(op + ": errno=1 EPERM")) << confined.out << confined.err;
  }
  // Control: the same probe in a --privileged container gets through (the
  // module calls reach the kernel, which may have no module support).
  CommandResult privileged =
      Sh("--privileged", "secprobe",
         "secprobe mount; secprobe unshare_user; secprobe keyctl; secprobe init_module");
  EXPECT_THAT(privileged.out, HasSubstr("mount: ok")) << privileged.out << privileged.err;
  EXPECT_THAT(privileged.out, HasSubstr("unshare_user: ok"));
  EXPECT_THAT(privileged.out, HasSubstr("keyctl: ok"));
  EXPECT_THAT(privileged.out, Not(HasSubstr("init_module: errno=1 EPERM")));
}

TEST_F(IsolationTest, DeviceCgroupRefusesAHostDiskNode) {
  std::string disk = FirstHostDisk();
  CommandResult run = Sh("", "busybox",
                         "mknod /tmp/berth-disk b " + disk + " && echo mknod=ok; "
                         "head -c 16 /tmp/berth-disk >/dev/null 2>/tmp/err; echo read=$?; cat /tmp/err");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // CAP_MKNOD is a default capability: making the node is allowed, as in Docker.
  EXPECT_THAT(run.out, HasSubstr("mknod=ok")) << "disk " << disk;
  EXPECT_THAT(run.out, HasSubstr("read=1"));
  EXPECT_THAT(run.out, HasSubstr("Operation not permitted"));
}

TEST_F(IsolationTest, ProcPathsAreMaskedOrReadOnly) {
  CommandResult run = Sh(
      "", "busybox",
      "(echo berth > /proc/sys/kernel/core_pattern) 2>&1; echo core_pattern=$?; "
      "echo keys=$(wc -c < /proc/keys); echo timer_list=$(wc -c < /proc/timer_list); "
      "echo firmware=$(ls -A /sys/firmware | wc -l); "
      "if [ -e /proc/kcore ]; then echo kcore=$(head -c 16 /proc/kcore | wc -c); else echo kcore=absent; fi; "
      "if [ -e /proc/sysrq-trigger ]; then (echo h > /proc/sysrq-trigger) 2>&1; echo sysrq=$?; "
      "else echo sysrq=absent; fi");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Read-only file system"));
  EXPECT_THAT(run.out, HasSubstr("core_pattern=1"));
  EXPECT_THAT(run.out, HasSubstr("keys=0\n"));
  EXPECT_THAT(run.out, HasSubstr("kcore=")) << run.out;
  EXPECT_THAT(run.out, Not(HasSubstr("kcore=16")));
  EXPECT_THAT(run.out, Not(HasSubstr("sysrq=0")));
  EXPECT_THAT(run.out, HasSubstr("firmware=0\n"));
  if (access("/proc/timer_list", R_OK) == 0) {
    EXPECT_THAT(run.out, HasSubstr("timer_list=0\n"));
  }
  // The masks hide something: the host's files have content (when the kernel
  // has them at all), and a --privileged container, which is not masked, sees it.
  if (!ReadHostFile("/proc/keys").empty()) {
    CommandResult unmasked = Sh("--privileged", "busybox", "wc -c < /proc/keys");
    EXPECT_NE(Trimmed(unmasked.out), "0") << unmasked.err;
  }
  std::string core_pattern = ReadHostFile("/proc/sys/kernel/core_pattern");
  EXPECT_THAT(core_pattern, Not(HasSubstr("berth")));
}

// The mounts Docker gives every container, with its flags ("<mount point>
// <per-mount options> <fstype>" from mountinfo).
TEST_F(IsolationTest, StandardMountsHaveDockersFlags) {
  CommandResult run = Sh("", "busybox", "awk '{print $5, $6, $(NF-2)}' /proc/self/mountinfo");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* line : {"/proc rw,nosuid,nodev,noexec,relatime proc\n",
                           "/dev rw,nosuid tmpfs\n",
                           "/dev/pts rw,nosuid,noexec,relatime devpts\n",
                           "/dev/shm rw,nosuid,nodev,noexec,relatime tmpfs\n",
                           "/dev/mqueue rw,nosuid,nodev,noexec,relatime mqueue\n",
                           "/sys ro,nosuid,nodev,noexec,relatime sysfs\n",
                           "/proc/sys ro,nosuid,nodev,noexec,relatime proc\n"}) {
    EXPECT_THAT(run.out, HasSubstr(line)) << run.out;
  }
}

TEST_F(IsolationTest, CapDropAllGivesNoCapabilities) {
  std::string status = ContainerStatus("docker", "--cap-drop ALL");
  for (const char* field : {"CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb"}) {
    EXPECT_EQ(StatusField(status, field), "0000000000000000") << field << "\n" << status;
  }
  EXPECT_EQ(StatusField(status, "Seccomp"), "2");
}

TEST_F(IsolationTest, PrivilegedGetsTheHostBoundingSetAndNoSeccomp) {
  std::string status = ContainerStatus("docker", "--privileged");
  std::string host = ReadHostFile("/proc/self/status");
  EXPECT_EQ(StatusField(status, "CapBnd"), StatusField(host, "CapBnd")) << status;
  EXPECT_EQ(StatusField(status, "CapEff"), StatusField(host, "CapBnd"));
  EXPECT_EQ(StatusField(status, "Seccomp"), "0");
}

TEST_F(IsolationTest, NonRootUserKeepsTheBoundingSetButNoEffective) {
  std::string status = ContainerStatus("docker", "-u 1000");
  EXPECT_EQ(StatusField(status, "Uid"), "1000\t1000\t1000\t1000") << status;
  EXPECT_EQ(StatusField(status, "CapBnd"), kDockerDefaultCaps);
  EXPECT_EQ(StatusField(status, "CapEff"), "0000000000000000");
  EXPECT_EQ(StatusField(status, "CapPrm"), "0000000000000000");
  EXPECT_EQ(StatusField(status, "Seccomp"), "2");
}

TEST_F(IsolationTest, UlimitIsApplied) {
  CommandResult run = Sh("--ulimit nofile=100:200", "busybox", "ulimit -n; ulimit -Hn");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "100\n200\n");
}

TEST_F(IsolationTest, UlimitAboveTheHostHardLimitIsRefused) {
  CommandResult run = stack_->Docker("run --rm --name berth-ulimit --ulimit nofile=100:99999999999 busybox true");
  EXPECT_EQ(run.exit_code, 125) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("ulimit nofile=100:99999999999 is above this host's hard limit"));
  EXPECT_EQ(Trimmed(stack_->Docker("ps -a -q").out), "");
}

TEST_F(IsolationTest, SeccompUnconfined) {
  std::string status = ContainerStatus("docker", "--security-opt seccomp=unconfined");
  EXPECT_EQ(StatusField(status, "Seccomp"), "0") << status;
  EXPECT_EQ(StatusField(status, "CapBnd"), kDockerDefaultCaps);
}

TEST_F(IsolationTest, CustomSeccompProfileDeniesMkdir) {
  std::string profile = stack_->root() + "/no-mkdir.json";
  std::ofstream(profile) << R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
      {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})";
  std::string script = "mkdir /tmp/berth-d 2>&1; echo mkdir=$?; touch /tmp/berth-f; echo touch=$?";
  CommandResult run = Sh("--security-opt seccomp=" + profile, "busybox", script);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("Operation not permitted"));
  EXPECT_THAT(run.out, HasSubstr("mkdir=1"));
  EXPECT_THAT(run.out, HasSubstr("touch=0"));
  EXPECT_THAT(ContainerStatus("docker", "--security-opt seccomp=" + profile), HasSubstr("Seccomp:\t2"));
  // Control: the default profile allows mkdir.
  EXPECT_THAT(Sh("", "busybox", script).out, HasSubstr("mkdir=0"));
}

TEST_F(IsolationTest, ForkBombStopsAtThePidsLimit) {
  // Each shell starts two more and sleeps: exponential growth until forks
  // fail, then quiet, so the test stays cheap for the machine once at the limit.
  CommandResult run = stack_->Docker("run -d --name berth-bomb busybox sh -c 'b(){ b & b & sleep 600; }; b'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = Trimmed(run.out);
  std::string cgroup = "/sys/fs/cgroup/pids/berth/" + id;
  if (access(cgroup.c_str(), F_OK) != 0) cgroup = "/sys/fs/cgroup/berth/" + id;  // cgroup v2
  int peak = 0;
  double slowest_ps = 0;
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    int current = std::atoi(ReadHostFile(cgroup + "/pids.current").c_str());
    peak = std::max(peak, current);
    auto start = std::chrono::steady_clock::now();
    CommandOptions bounded;
    bounded.timeout = std::chrono::seconds(10);
    CommandResult ps = stack_->Docker("ps -q", bounded);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    slowest_ps = std::max(slowest_ps, took);
    EXPECT_EQ(ps.exit_code, 0) << ps.err;
    EXPECT_THAT(ps.out, HasSubstr(id.substr(0, 12)));
    if (peak >= kPidsLimit - 16 && i >= 4) break;
  }
  EXPECT_EQ(Trimmed(ReadHostFile(cgroup + "/pids.max")), std::to_string(kPidsLimit));
  EXPECT_LE(peak, kPidsLimit);
  // The bomb did run into the limit (else this test proves nothing).
  EXPECT_GE(peak, kPidsLimit - 16) << "the fork bomb never reached the limit";
  EXPECT_THAT(ReadHostFile(cgroup + "/pids.events"), Not(HasSubstr("max 0")));
  EXPECT_LT(slowest_ps, 3.0) << "docker ps slowed down by the bomb";
  RecordProperty("pids_peak", peak);
  RecordProperty("slowest_docker_ps_ms", static_cast<int>(slowest_ps * 1000));

  CommandResult rm = stack_->Docker("rm -f berth-bomb");
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(Trimmed(stack_->Docker("ps -a -q").out), "");
  EXPECT_NE(access(cgroup.c_str(), F_OK), 0) << cgroup << " left behind";
  // The bracket keeps pgrep from matching the shell that runs it.
  EXPECT_EQ(stack_->Shell("pgrep -f '[b] & b & sleep 600' | wc -l").out, "0\n");
}

TEST_F(IsolationTest, TtyDoesNotLeakThePtySlave) {
  // Without -i the docker CLI allocates the container's tty without needing one of its own.
  CommandResult run = stack_->Docker("run -t --rm busybox ls /proc/self/fd");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::istringstream names(run.out);
  std::vector<std::string> fds;
  for (std::string fd; names >> fd;) fds.push_back(fd);
  // 0, 1, 2 and the descriptor ls itself reads the directory through.
  EXPECT_THAT(fds, ::testing::ElementsAre("0", "1", "2", "3")) << run.out;
  CommandResult links = stack_->Docker("run -t --rm busybox sh -c 'ls -l /proc/$$/fd'");
  EXPECT_THAT(links.out, HasSubstr("0 -> /dev/pts/0"));
  EXPECT_THAT(links.out, Not(HasSubstr("3 -> /dev/pts")));
  EXPECT_THAT(links.out, Not(HasSubstr("ptmx")));
}

}  // namespace
}  // namespace berth::e2e
