// Loads real seccomp filters into forked children (one per case) and checks
// what the kernel answers. Root: loading without no_new_privs needs
// CAP_SYS_ADMIN, as it will in the container init. Every probe is chosen so
// that it is harmless even if the filter let it through (bad arguments,
// missing paths), and the "Unfiltered" baselines show that each expected
// errno comes from the filter, not from the kernel.

#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "services/runtimed/security/seccomp_filter.h"
#include "services/runtimed/security/seccomp_profile.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

namespace berth::runtimed::security {
namespace {

const std::vector<std::string> kDockerCaps = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

// Exit codes of the child beyond errno values.
constexpr int kLoadFailed = 250;
constexpr int kUnexpected = 251;
constexpr int kKilledBySignal = 252;

// Returns 0 for success or the errno of a failed syscall (-1 return).
int ErrnoOf(long rc) { return rc == -1 ? errno : 0; }

// Forks, loads `bpf` (none when empty) in the child, runs `probe` and
// returns its result: the child's exit code. The parent waits at most 10 s.
int RunInChild(const std::string& bpf, const std::function<int()>& probe) {
  pid_t pid = fork();
  if (pid < 0) return -errno;
  if (pid == 0) {
    if (!bpf.empty() && !LoadSeccompBpf(bpf).ok()) _exit(kLoadFailed);
    _exit(probe());
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return kKilledBySignal;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : kKilledBySignal;
}

class SeccompLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN to load without no_new_privs)";
    auto bpf = ExportSeccompBpf(DefaultSeccompProfile(kDockerCaps));
    ASSERT_TRUE(bpf.ok()) << bpf.status();
    docker_ = *bpf;
  }

  int Filtered(const std::function<int()>& probe) { return RunInChild(docker_, probe); }
  int Unfiltered(const std::function<int()>& probe) { return RunInChild("", probe); }

  std::string docker_;
};

TEST_F(SeccompLoadTest, GetpidWorksAndTheFilterIsActive) {
  auto probe = [] {
    if (getpid() <= 0) return kUnexpected;
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return kUnexpected;
    buf[n] = '\0';
    return std::strstr(buf, "\nSeccomp:\t2\n") != nullptr ? 0 : 1;
  };
  EXPECT_EQ(Filtered(probe), 0);
  EXPECT_EQ(Unfiltered(probe), 1);
}

TEST_F(SeccompLoadTest, MountIsEperm) {
  // Without the filter this is ENOENT (the target does not exist).
  auto probe = [] {
    return ErrnoOf(mount("none", "/nonexistent-berth-seccomp-test", "tmpfs", 0, nullptr));
  };
  EXPECT_EQ(Filtered(probe), EPERM);
  EXPECT_EQ(Unfiltered(probe), ENOENT);
}

TEST_F(SeccompLoadTest, UnshareOfAUserNamespaceIsEperm) {
  auto probe = [] { return ErrnoOf(unshare(CLONE_NEWUSER)); };
  EXPECT_EQ(Filtered(probe), EPERM);
  EXPECT_EQ(Unfiltered(probe), 0);
}

TEST_F(SeccompLoadTest, KeyctlIsEperm) {
  // KEYCTL_GET_KEYRING_ID (0) of the session keyring (-3), without creating it.
  auto probe = [] { return ErrnoOf(syscall(SYS_keyctl, 0, -3, 0)); };
  EXPECT_EQ(Filtered(probe), EPERM);
  EXPECT_NE(Unfiltered(probe), EPERM);
}

TEST_F(SeccompLoadTest, ClockSettimeIsEperm) {
  // CLOCK_MONOTONIC cannot be set: without the filter the kernel says EINVAL,
  // so the host clock is never touched.
  auto probe = [] {
    timespec ts{};
    return ErrnoOf(syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
  };
  EXPECT_EQ(Filtered(probe), EPERM);
  EXPECT_EQ(Unfiltered(probe), EINVAL);
}

TEST_F(SeccompLoadTest, Clone3IsEnosys) {
  auto probe = [] { return ErrnoOf(syscall(SYS_clone3, nullptr, 0)); };
  EXPECT_EQ(Filtered(probe), ENOSYS);
  EXPECT_EQ(Unfiltered(probe), EINVAL);
}

TEST_F(SeccompLoadTest, SyscallsNewerThanTheProfileAreEnosys) {
  // 462 is mseal (Linux 6.10), unknown to libseccomp 2.5.4; a zero-length
  // seal is a no-op without the filter.
  EXPECT_EQ(Filtered([] { return ErrnoOf(syscall(462, 0, 0, 0)); }), ENOSYS);
  // Kernels before 6.10 have no mseal; there only the checks below count.
  int mseal_unfiltered = Unfiltered([] { return ErrnoOf(syscall(462, 0, 0, 0)); });
  if (mseal_unfiltered != ENOSYS) {
    EXPECT_EQ(mseal_unfiltered, 0);
  }
  EXPECT_EQ(Filtered([] { return ErrnoOf(syscall(1000)); }), ENOSYS);
  // Past the bound the default action answers, which shows that the ENOSYS
  // above came from the filter and not from the kernel.
  EXPECT_EQ(Filtered([] { return ErrnoOf(syscall(kNewSyscallBound + 1000)); }), EPERM);
  EXPECT_EQ(Unfiltered([] { return ErrnoOf(syscall(kNewSyscallBound + 1000)); }), ENOSYS);
}

TEST_F(SeccompLoadTest, ForkThreadsAndPlainCloneWork) {
  auto probe = [] {
    pid_t child = fork();
    if (child < 0) return errno;
    if (child == 0) _exit(7);
    int status = 0;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 7) {
      return kUnexpected;
    }
    // glibc tries clone3 first and falls back to clone on ENOSYS.
    pthread_t thread;
    int rc = pthread_create(
        &thread, nullptr, [](void*) -> void* { return nullptr; }, nullptr);
    if (rc != 0) return rc;
    pthread_join(thread, nullptr);
    long pid = syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) return errno;
    if (pid == 0) _exit(0);
    waitpid(static_cast<pid_t>(pid), &status, 0);
    return 0;
  };
  EXPECT_EQ(Filtered(probe), 0);
}

TEST_F(SeccompLoadTest, CloneWithNamespaceFlagsIsEperm) {
  auto probe = [] {
    long pid = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid(static_cast<pid_t>(pid), nullptr, 0);
    return ErrnoOf(pid);
  };
  EXPECT_EQ(Filtered(probe), EPERM);
  EXPECT_EQ(Unfiltered(probe), 0);
}

TEST_F(SeccompLoadTest, VsockSocketsAreRefusedOthersWork) {
  auto vsock = [] {
    int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
    if (fd >= 0) close(fd);
    return ErrnoOf(fd);
  };
  EXPECT_EQ(Filtered(vsock), EPERM);
  EXPECT_NE(Unfiltered(vsock), EPERM);
  auto inet = [] {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd >= 0) close(fd);
    return ErrnoOf(fd);
  };
  EXPECT_EQ(Filtered(inet), 0);
}

TEST_F(SeccompLoadTest, PtraceIsAllowedAsInDocker) {
  // No such process: ESRCH when ptrace is allowed, EPERM when filtered.
  auto probe = [] { return ErrnoOf(syscall(SYS_ptrace, 2 /*PTRACE_PEEKDATA*/, 0, 0, 0)); };
  EXPECT_EQ(Filtered(probe), ESRCH);
}

TEST_F(SeccompLoadTest, CustomDockerProfileDeniesGetcwd) {
  auto profile = ParseDockerSeccompProfile(
      R"({"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})",
      kDockerCaps);
  ASSERT_TRUE(profile.ok()) << profile.status();
  auto bpf = ExportSeccompBpf(*profile);
  ASSERT_TRUE(bpf.ok()) << bpf.status();
  auto probe = [] {
    char buf[4096];
    if (getpid() <= 0) return kUnexpected;
    return getcwd(buf, sizeof(buf)) == nullptr ? errno : 0;
  };
  EXPECT_EQ(RunInChild(*bpf, probe), EPERM);
  EXPECT_EQ(Unfiltered(probe), 0);
}

TEST_F(SeccompLoadTest, SysAdminProfileAllowsNamespaces) {
  std::vector<std::string> caps = kDockerCaps;
  caps.push_back("CAP_SYS_ADMIN");
  auto bpf = ExportSeccompBpf(DefaultSeccompProfile(caps));
  ASSERT_TRUE(bpf.ok()) << bpf.status();
  EXPECT_EQ(RunInChild(*bpf, [] { return ErrnoOf(unshare(CLONE_NEWUTS)); }), 0);
  // With CAP_SYS_ADMIN clone3 is allowed: the kernel itself rejects size 0.
  EXPECT_EQ(RunInChild(*bpf, [] { return ErrnoOf(syscall(SYS_clone3, nullptr, 0)); }), EINVAL);
}

// The contract the container init relies on: without CAP_SYS_ADMIN the load
// needs no_new_privs, and the error says so.
TEST_F(SeccompLoadTest, LoadingWithoutSysAdminNeedsNoNewPrivs) {
  std::string bpf = docker_;
  auto probe = [&bpf] {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &header, data) != 0) return kUnexpected;
    data[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
    if (syscall(SYS_capset, &header, data) != 0) return kUnexpected;
    absl::Status first = LoadSeccompBpf(bpf);
    if (first.code() != absl::StatusCode::kPermissionDenied) return 1;
    if (std::string(first.message()).find("no_new_privs") == std::string::npos) return 2;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return kUnexpected;
    if (!LoadSeccompBpf(bpf).ok()) return 3;
    return ErrnoOf(mount("none", "/nonexistent-berth-seccomp-test", "tmpfs", 0, nullptr));
  };
  EXPECT_EQ(Unfiltered(probe), EPERM);
}

}  // namespace
}  // namespace berth::runtimed::security
