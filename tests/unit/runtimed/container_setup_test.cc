// The container init's set-up sequence (shim/container_setup.h) against
// RecordingProcessOps, without root: the real rootfs plan is applied to a
// temp dir standing for the merged image (its paths resolved and made for
// real, the mounts recorded), every privileged or process-wide call is
// recorded in one list with the mounts, so these tests check the order the
// init depends on and that a failing step ends the set-up with its own words.
#include "services/runtimed/shim/container_setup.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/shim/init_channel.h"
#include "services/runtimed/spec/capabilities.h"
#include "services/runtimed/testing/recording_process_ops.h"

namespace berth::runtimed::shim {
namespace {

namespace stdfs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RecordingProcessOps;
using ::testing::StartsWith;

constexpr char kNetns[] = "/run/netns/berth-test";

class ContainerSetUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-container-setup-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    root_ = (top_ / "rootfs").string();
    ops_.SetExecutable("/bin/sh");
  }
  void TearDown() override { stdfs::remove_all(top_); }

  spec::ShimConfig Config() {
    spec::ShimConfig c;
    c.rootfs_dir = root_;
    c.mounts = {
        spec::MountSpec{"overlay", "overlay", "", {"lowerdir=/l", "upperdir=/u", "workdir=/w"}}};
    c.args = {"sh", "-c", "true"};
    c.env = {"PATH=/usr/bin:/bin"};
    c.cwd = "/work";
    c.hostname = "web";
    c.netns_path = kNetns;
    c.hostname_file = "/state/c1/hostname";
    c.hosts_file = "/state/c1/hosts";
    c.resolv_conf_file = "/state/c1/resolv.conf";
    c.security.capabilities = {"CAP_CHOWN", "CAP_NET_BIND_SERVICE"};
    c.security.masked_paths = {"/proc/kcore"};
    c.security.readonly_paths = {"/proc/sys"};
    c.security.rlimits = {spec::Rlimit{"nofile", 1024, 2048}};
    return c;
  }

  absl::StatusOr<std::string> Run(const spec::ShimConfig& c) {
    InitFds fds{.sync_fd = -1, .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2};
    return SetUpContainer(c, fds, env_, &bpf_, ops_, ops_.mounter());
  }

  int At(const std::string& prefix) {
    int i = ops_.IndexOf(prefix);
    EXPECT_GE(i, 0) << "no call '" << prefix << "' in:\n" << Dump();
    return i;
  }
  std::string Dump() const {
    std::string out;
    for (const std::string& line : ops_.calls()) out += "  " + line + "\n";
    return out;
  }
  // The first and last line the rootfs plan added (between the root's
  // propagation change and the /etc clones).
  int PlanBegin() { return At("mount overlay /"); }
  int PlanEnd() { return At("mount sysfs /sys"); }

  stdfs::path top_;
  std::string root_;
  RecordingProcessOps ops_;
  std::vector<std::string> env_ = {"PATH=/usr/bin:/bin"};
  std::string bpf_ = "unset";
};

TEST_F(ContainerSetUpTest, TheWholeSequenceInOrder) {
  absl::StatusOr<std::string> path = Run(Config());
  ASSERT_TRUE(path.ok()) << path.status() << "\n" << Dump();
  EXPECT_EQ(*path, "/bin/sh");
  EXPECT_EQ(bpf_, "");

  const std::vector<std::string>& calls = ops_.calls();
  int begin = PlanBegin();
  int end = PlanEnd();
  ASSERT_LT(begin, end) << Dump();
  EXPECT_THAT(
      std::vector<std::string>(calls.begin(), calls.begin() + begin),
      ElementsAre("await G", "read seccomp program", "unshare cgroup",
                  std::string("setns net ") + kNetns, "mount bind / rec,private", "umask 0000"))
      << Dump();
  // Between them only the plan: mounts below the root, nodes, links.
  for (int i = begin; i <= end; ++i) {
    EXPECT_THAT(calls[i], ::testing::AnyOf(StartsWith("mount "), StartsWith("mknod "),
                                           StartsWith("symlink ")));
  }
  uint64_t caps = spec::CapabilityMask({"CAP_CHOWN", "CAP_NET_BIND_SERVICE"});
  char keep[64];
  snprintf(keep, sizeof(keep), "%#llx", static_cast<unsigned long long>(caps));
  std::vector<std::string> after_plan = {
      "open_tree /state/c1/hostname",
      "open_tree /state/c1/hosts",
      "open_tree /state/c1/resolv.conf",
      "pivot_root " + root_,
      "attach /state/c1/hostname onto /etc/hostname",
      "attach /state/c1/hosts onto /etc/hosts",
      "attach /state/c1/resolv.conf onto /etc/resolv.conf",
      "mkdir /work",
      "path restrictions masked=/proc/kcore readonly=/proc/sys",
      "sethostname web",
      "stdio pipes",
      "rlimits nofile=1024:2048",
      std::string("drop bounding set keep=") + keep,
      "read /etc/group",
      "read /etc/passwd",
      "switch ids uid=0 gid=0 groups=0",
      std::string("set capabilities ") + keep + " keep_sys_admin=0",
      "chdir /work",
      "umask 0022",
      "stat /usr/bin/sh",
      "stat /bin/sh"};
  EXPECT_THAT(std::vector<std::string>(calls.begin() + end + 1, calls.end()),
              ::testing::ElementsAreArray(after_plan))
      << Dump();
  // root without a passwd entry: Docker's default home.
  EXPECT_THAT(env_, Contains("HOME=/root"));
}

TEST_F(ContainerSetUpTest, NothingHappensBeforeTheShimsGo) {
  ops_.SetGo(false);
  absl::StatusOr<std::string> path = Run(Config());
  EXPECT_EQ(path.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(path.status().message(), "shim went away");
  // The cgroup namespace in particular is never unshared outside the
  // container's cgroup.
  EXPECT_THAT(ops_.calls(), ElementsAre("await G"));
}

TEST_F(ContainerSetUpTest, CgroupNamespaceIsUnsharedAfterGoAndBeforeTheNetwork) {
  ASSERT_TRUE(Run(Config()).ok()) << Dump();
  EXPECT_EQ(At("await G"), 0);
  EXPECT_GT(At("unshare cgroup"), At("await G"));
  EXPECT_LT(At("unshare cgroup"), At("setns net"));
}

TEST_F(ContainerSetUpTest, NetnsIsJoinedBeforeAnyMountAndLoIsLeftAlone) {
  ASSERT_TRUE(Run(Config()).ok()) << Dump();
  EXPECT_EQ(At(std::string("setns net ") + kNetns) + 1, At("mount "));
  EXPECT_EQ(ops_.IndexOf("lo up"), -1);
}

TEST_F(ContainerSetUpTest, WithoutANetnsLoIsBroughtUpBeforeAnyMount) {
  spec::ShimConfig c = Config();
  c.netns_path = "";
  ASSERT_TRUE(Run(c).ok()) << Dump();
  EXPECT_EQ(ops_.IndexOf("setns"), -1);
  EXPECT_EQ(At("lo up") + 1, At("mount "));
}

TEST_F(ContainerSetUpTest, MountsAreMadePrivateBeforeThePlan) {
  ASSERT_TRUE(Run(Config()).ok()) << Dump();
  // The very first mount: the whole tree, recursively private, in place.
  EXPECT_EQ(At("mount "), At("mount bind / rec,private"));
  EXPECT_LT(At("mount bind / rec,private"), PlanBegin());
  const auto& first = ops_.mounts().calls().front();
  EXPECT_EQ(first.resolved, "/");
  EXPECT_EQ(first.source, "");
  EXPECT_EQ(first.fstype, "");
  EXPECT_EQ(first.flags, static_cast<unsigned long>(MS_REC | MS_PRIVATE));
  // The plan runs with umask 0 so its modes are exact.
  EXPECT_EQ(At("umask 0000") + 1, PlanBegin());
}

TEST_F(ContainerSetUpTest, PivotRootComesAfterThePlanAndBeforeTheEtcFiles) {
  ASSERT_TRUE(Run(Config()).ok()) << Dump();
  int pivot = At("pivot_root " + root_);
  EXPECT_GT(pivot, PlanEnd());
  // Cloned while the host paths are reachable, attached inside the new root.
  EXPECT_LT(ops_.LastIndexOf("open_tree "), pivot);
  EXPECT_GT(At("open_tree "), PlanEnd());
  EXPECT_EQ(At("attach "), pivot + 1);
  // No mount of the plan comes after the pivot.
  EXPECT_EQ(ops_.LastIndexOf("mount "), PlanEnd());
}

TEST_F(ContainerSetUpTest, OnlyGeneratedEtcFilesAreAttached) {
  spec::ShimConfig c = Config();
  c.hostname_file = "";
  c.resolv_conf_file = "";
  ASSERT_TRUE(Run(c).ok()) << Dump();
  EXPECT_EQ(ops_.IndexOf("open_tree /state/c1/hostname"), -1);
  EXPECT_EQ(ops_.LastIndexOf("attach "), At("attach /state/c1/hosts onto /etc/hosts"));
  EXPECT_EQ(ops_.IndexOf("attach "), ops_.LastIndexOf("attach "));
}

TEST_F(ContainerSetUpTest, ReadOnlyRootIsRemountedOnlyWhenAskedAndAfterThePathRestrictions) {
  ASSERT_TRUE(Run(Config()).ok()) << Dump();
  EXPECT_THAT(ops_.calls(), Not(Contains(HasSubstr("remount"))));

  RecordingProcessOps ro_ops;
  ro_ops.SetExecutable("/bin/sh");
  spec::ShimConfig c = Config();
  c.security.readonly_rootfs = true;
  InitFds fds{.sync_fd = -1, .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2};
  ASSERT_TRUE(SetUpContainer(c, fds, env_, &bpf_, ro_ops, ro_ops.mounter()).ok());
  int remount = ro_ops.IndexOf("mount bind / bind,remount,ro");
  ASSERT_GE(remount, 0);
  // After the masks and read-only paths (they mount below the root, which
  // must still be writable for their mount points), before anything else.
  EXPECT_EQ(remount, ro_ops.IndexOf("path restrictions") + 1);
  EXPECT_EQ(ro_ops.LastIndexOf("mount "), remount);
  EXPECT_EQ(ro_ops.mounts().calls().back().flags,
            static_cast<unsigned long>(MS_BIND | MS_REMOUNT | MS_RDONLY));
  EXPECT_EQ(ro_ops.mounts().calls().back().resolved, "/");
}

TEST_F(ContainerSetUpTest, HostnameIsSetInTheContainersUtsNamespace) {
  spec::ShimConfig c = Config();
  c.hostname = "db-1";
  ASSERT_TRUE(Run(c).ok()) << Dump();
  EXPECT_GT(At("sethostname db-1"), At("pivot_root"));
}

TEST_F(ContainerSetUpTest, UserIsSwitchedAfterTheBoundingSetDropAndBeforeTheCapabilities) {
  ops_.SetFile("/etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
  ops_.SetFile("/etc/group", "root:x:0:\napp:x:1000:\nwheel:x:10:app\n");
  spec::ShimConfig c = Config();
  c.user = "app";
  c.tty = true;
  ASSERT_TRUE(Run(c).ok()) << Dump();
  int drop = At("drop bounding set");
  int sw = At("switch ids uid=1000 gid=1000 groups=1000,10");
  EXPECT_LT(drop, sw);
  EXPECT_LT(sw, At("set capabilities"));
  // The user is resolved from the container's files (after the pivot), and
  // the pty the stdio step made is given to it first.
  EXPECT_GT(At("read /etc/passwd"), At("pivot_root"));
  EXPECT_LT(At("stdio tty"), drop);
  EXPECT_EQ(At("chown tty 7 to 1000") + 1, sw);
  EXPECT_THAT(env_, Contains("HOME=/home/app"));
}

TEST_F(ContainerSetUpTest, AHomeInTheEnvironmentIsKept) {
  env_.push_back("HOME=/data");
  ASSERT_TRUE(Run(Config()).ok()) << Dump();
  EXPECT_THAT(env_, Contains("HOME=/data"));
  EXPECT_EQ(std::count_if(env_.begin(), env_.end(),
                          [](const std::string& e) { return e.rfind("HOME=", 0) == 0; }),
            1);
}

TEST_F(ContainerSetUpTest, SysAdminIsKeptForASeccompFilterWithoutNoNewPrivs) {
  ops_.SetSeccompProgram("BPF");
  spec::ShimConfig c = Config();
  c.security.seccomp_profile = "default";
  c.security.seccomp_program_file = "/state/seccomp/abc.bpf";
  ASSERT_TRUE(Run(c).ok()) << Dump();
  EXPECT_EQ(bpf_, "BPF");
  // Read on the host, before any namespace or mount change.
  EXPECT_EQ(At("read seccomp program"), 1);
  EXPECT_THAT(ops_.calls()[At("set capabilities")], HasSubstr("keep_sys_admin=1"));

  RecordingProcessOps nnp_ops;
  nnp_ops.SetExecutable("/bin/sh");
  c.security.no_new_privileges = true;
  InitFds fds{.sync_fd = -1, .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2};
  ASSERT_TRUE(SetUpContainer(c, fds, env_, &bpf_, nnp_ops, nnp_ops.mounter()).ok());
  EXPECT_THAT(nnp_ops.calls()[nnp_ops.IndexOf("set capabilities")], HasSubstr("keep_sys_admin=0"));
}

TEST_F(ContainerSetUpTest, ChdirIntoTheWorkingDirectoryIsTheLastStep) {
  ASSERT_TRUE(Run(Config()).ok()) << Dump();
  int chdir = At("chdir /work");
  // Made in the container's root before anything can depend on it.
  EXPECT_GT(At("mkdir /work"), At("pivot_root"));
  // After it only the umask for the process and the PATH lookup.
  const std::vector<std::string>& calls = ops_.calls();
  for (size_t i = chdir + 1; i < calls.size(); ++i) {
    EXPECT_THAT(calls[i], ::testing::AnyOf("umask 0022", StartsWith("stat "))) << Dump();
  }
  EXPECT_GT(chdir, At("set capabilities"));
}

TEST_F(ContainerSetUpTest, AnEmptyCwdMeansTheRoot) {
  spec::ShimConfig c = Config();
  c.cwd = "";
  ASSERT_TRUE(Run(c).ok()) << Dump();
  At("mkdir /");
  At("chdir /");
}

TEST_F(ContainerSetUpTest, AMissingExecutableFailsAfterTheWholeSetUpWithTheExecutorsWords) {
  spec::ShimConfig c = Config();
  c.args = {"nope"};
  absl::StatusOr<std::string> path = Run(c);
  EXPECT_EQ(path.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(path.status().message(), "exec: \"nope\": executable file not found in $PATH");
  At("chdir /work");
}

// One step fails: the set-up stops right there and returns that step's error
// unchanged (Fail sends exactly its message to the shim).
struct FailCase {
  std::string step;     // the recorded line's prefix
  std::string message;  // what the user sees
};
// Names the case in test listings (ctest shows GetParam()).
void PrintTo(const FailCase& c, std::ostream* os) { *os << '"' << c.step << '"'; }

class ContainerSetUpFailureTest : public ContainerSetUpTest,
                                  public ::testing::WithParamInterface<FailCase> {};

TEST_P(ContainerSetUpFailureTest, StopsAtTheFailingStepWithItsMessage) {
  spec::ShimConfig c = Config();
  c.security.readonly_rootfs = true;
  ops_.FailOn(GetParam().step);
  absl::StatusOr<std::string> path = Run(c);
  ASSERT_FALSE(path.ok()) << Dump();
  EXPECT_EQ(path.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(path.status().message(), GetParam().message);
  ASSERT_FALSE(ops_.calls().empty());
  EXPECT_THAT(ops_.calls().back(), StartsWith(GetParam().step)) << Dump();
  EXPECT_EQ(ops_.IndexOf(GetParam().step), static_cast<int>(ops_.calls().size()) - 1);
}

INSTANTIATE_TEST_SUITE_P(
    EveryStep, ContainerSetUpFailureTest,
    ::testing::Values(
        FailCase{"read seccomp program", "read the seccomp program: Operation not permitted"},
        FailCase{"unshare cgroup", "unshare cgroup namespace: Operation not permitted"},
        FailCase{"setns net",
                 "join network namespace '/run/netns/berth-test': "
                 "Operation not permitted"},
        FailCase{"mount bind / rec,private", "mount bind on '/': Operation not permitted"},
        FailCase{"mount overlay /", "mount overlay on the rootfs: Operation not permitted"},
        FailCase{"mount proc /proc", "mount proc on '/proc': Operation not permitted"},
        FailCase{"mknod /dev/null", "mknod '/dev/null': Operation not permitted"},
        FailCase{"open_tree /state/c1/hosts",
                 "open_tree '/state/c1/hosts': Operation not permitted"},
        FailCase{"pivot_root", "pivot_root: Operation not permitted"},
        FailCase{"attach /state/c1/resolv.conf",
                 "mount onto '/etc/resolv.conf': Operation not permitted"},
        FailCase{"mkdir /work", "mkdir '/work': Operation not permitted"},
        FailCase{"path restrictions", "mask '/proc/kcore': Operation not permitted"},
        FailCase{"mount bind / bind,remount,ro", "mount bind on '/': Operation not permitted"},
        FailCase{"sethostname", "sethostname: Operation not permitted"},
        FailCase{"stdio", "dup2 stdio: Operation not permitted"},
        FailCase{"rlimits", "set ulimit: Operation not permitted"},
        FailCase{"drop bounding set",
                 "drop capability 0 from the bounding set: "
                 "Operation not permitted"},
        FailCase{"switch ids", "setuid: Operation not permitted"},
        FailCase{"set capabilities", "capset: Operation not permitted"},
        FailCase{"chdir", "chdir to '/work': Operation not permitted"}),
    [](const ::testing::TestParamInfo<FailCase>& info) {
      std::string name;
      for (char ch : info.param.step)
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

// Fail is what RunContainerInit does with the error: 'E' and exactly the
// message to the shim, then exit 1.
TEST(InitChannelTest, FailSendsTheMessageAsIsAndExits) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(sv[0]);
    Fail(sv[1], ErrnoToStatus(EPERM, "sethostname"));
  }
  close(sv[1]);
  char buf[256];
  ssize_t n = recv(sv[0], buf, sizeof(buf), 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n), "Esethostname: Operation not permitted");
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  close(sv[0]);
}

TEST(InitChannelTest, ExpectTellsTheAwaitedMessageFromAnyOtherAndFromAClose) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  SendMessage(sv[0], 'G');
  EXPECT_TRUE(Expect(sv[1], 'G'));
  SendMessage(sv[0], 'S');
  EXPECT_FALSE(Expect(sv[1], 'G'));
  close(sv[0]);
  EXPECT_FALSE(Expect(sv[1], 'G'));
  close(sv[1]);
}

}  // namespace
}  // namespace berth::runtimed::shim
