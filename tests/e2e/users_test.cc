// Users and groups end to end: `-u` in its forms against the image's
// /etc/passwd and /etc/group, the supplementary groups a user has there
// (runc's and dockerd's rules), and --group-add, for run and exec, through
// the docker CLI and berth. `id` in a busybox container is the witness.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;

class UsersTest : public BusyboxStackCliTest {
 protected:
  void SetUp() override {
    BusyboxStackCliTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // An image whose /etc/group lists daemon in two groups and root in one.
    CommandResult prep = stack_->Docker(
        "run --name groups-prep busybox sh -c "
        "'echo staff:x:50:daemon,nobody >> /etc/group; echo audio:x:29:daemon >> /etc/group; "
        "echo wheel:x:10:root >> /etc/group'");
    ASSERT_EQ(prep.exit_code, 0) << prep.out << prep.err;
    CommandResult commit = stack_->Docker("commit groups-prep groups-img");
    ASSERT_EQ(commit.exit_code, 0) << commit.out << commit.err;
  }
  // `id` of `run --rm <args> groups-img id`, failing the test on an error.
  std::string RunId(const std::string& args) {
    CommandResult r = Cli("run --rm " + args + " groups-img id");
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.out << r.err;
    return Trimmed(r.out);
  }
};

TEST_P(UsersTest, RunTakesUserAndGroupsFromPasswdAndGroup) {
  // The implicit form: the groups listing the user join its primary group
  // (the kernel keeps them sorted).
  EXPECT_EQ(RunId(""), "uid=0(root) gid=0(root) groups=0(root),10(wheel)");
  EXPECT_EQ(RunId("-u daemon"), "uid=1(daemon) gid=1(daemon) groups=1(daemon),29(audio),50(staff)");
  EXPECT_EQ(RunId("-u 1"), "uid=1(daemon) gid=1(daemon) groups=1(daemon),29(audio),50(staff)");
  // An explicit group replaces them, by name or number.
  EXPECT_EQ(RunId("-u daemon:staff"), "uid=1(daemon) gid=50(staff) groups=50(staff)");
  EXPECT_EQ(RunId("-u 1:29"), "uid=1(daemon) gid=29(audio) groups=29(audio)");
  EXPECT_EQ(RunId("-u nobody:audio"), "uid=65534(nobody) gid=29(audio) groups=29(audio)");
  // A uid without a passwd entry: gid 0, no member groups.
  EXPECT_EQ(RunId("-u 4242"), "uid=4242 gid=0(root) groups=0(root)");
  // --group-add by name and by number (one without an entry too).
  EXPECT_EQ(RunId("--group-add audio --group-add 4243"),
            "uid=0(root) gid=0(root) groups=0(root),10(wheel),29(audio),4243");
  EXPECT_EQ(RunId("-u nobody --group-add audio"),
            "uid=65534(nobody) gid=65534(nogroup) groups=29(audio),50(staff),65534(nogroup)");
  // A name in neither file fails the start with runc's words.
  CommandResult bad_group = Cli("run --rm --group-add nosuch groups-img id");
  EXPECT_NE(bad_group.exit_code, 0);
  EXPECT_THAT(bad_group.out + bad_group.err,
              HasSubstr("Unable to find group nosuch: no matching entries in group file"));
  CommandResult bad_user = Cli("run --rm -u daemon:nosuch groups-img id");
  EXPECT_NE(bad_user.exit_code, 0);
  EXPECT_THAT(bad_user.out + bad_user.err, HasSubstr("unable to find group nosuch"));
  // inspect shows what was asked.
  ASSERT_EQ(Cli("run --name ga --group-add audio --group-add 7 groups-img true").exit_code, 0);
  CommandResult inspect = stack_->Docker("inspect -f '{{json .HostConfig.GroupAdd}}' ga");
  EXPECT_EQ(Trimmed(inspect.out), R"(["audio","7"])") << inspect.err;
}

TEST_P(UsersTest, ExecGetsTheSameGroupsAndTheContainersGroupAdd) {
  CommandResult run = Cli("run -d --name ctr --group-add 4243 groups-img sleep 600");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto exec_id = [&](const std::string& args) {
    CommandResult r = Cli("exec " + args + " ctr id");
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.out << r.err;
    return Trimmed(r.out);
  };
  EXPECT_EQ(exec_id(""), "uid=0(root) gid=0(root) groups=0(root),10(wheel),4243");
  EXPECT_EQ(exec_id("-u daemon"),
            "uid=1(daemon) gid=1(daemon) groups=1(daemon),29(audio),50(staff),4243");
  EXPECT_EQ(exec_id("-u daemon:audio"), "uid=1(daemon) gid=29(audio) groups=29(audio),4243");
  // The process really holds them: a file only group staff may read.
  ASSERT_EQ(Cli("exec ctr sh -c 'echo secret > /tmp/s; chown 0:50 /tmp/s; chmod 040 /tmp/s'")
                .exit_code,
            0);
  CommandResult as_daemon = Cli("exec -u daemon ctr cat /tmp/s");
  EXPECT_EQ(as_daemon.exit_code, 0) << as_daemon.err;
  EXPECT_EQ(as_daemon.out, "secret\n");
  CommandResult as_nobody = Cli("exec -u nobody:nogroup ctr cat /tmp/s");
  EXPECT_NE(as_nobody.exit_code, 0);
  EXPECT_THAT(as_nobody.err, HasSubstr("Permission denied"));
}

INSTANTIATE_TEST_SUITE_P(Clis, UsersTest, ::testing::Values("docker", "berth"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace berth::e2e
