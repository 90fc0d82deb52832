// docker exec → exec shim config, without root.
#include "services/runtimed/spec/exec_spec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/spec/capabilities.h"

namespace berth::runtimed::spec {
namespace {

using ::testing::ElementsAre;

v1::ExecConfig Exec(std::vector<std::string> cmd) {
  v1::ExecConfig e;
  for (auto& c : cmd) e.add_cmd(c);
  return e;
}

ShimConfig Container() {
  ShimConfig c;
  c.id = "cid";
  c.args = {"sleep", "600"};
  c.env = {"PATH=/usr/bin:/bin", "HOSTNAME=abc", "FOO=container"};
  c.cwd = "/srv";
  c.user = "daemon";
  c.tty = false;
  c.open_stdin = true;
  c.security.capabilities = {"CAP_CHOWN", "CAP_KILL"};
  c.security.no_new_privileges = true;
  c.security.seccomp_profile = "{}";
  c.security.seccomp_program_file = "/state/cid/seccomp.bpf";
  c.security.masked_paths = {"/proc/kcore"};
  c.log_path = "/state/cid/cid-json.log";
  c.socket_path = "/run/cid/shim.sock";
  c.exit_path = "/state/cid/exit.json";
  return c;
}

TEST(ExecSpecTest, ValidationFollowsDocker) {
  EXPECT_EQ(ValidateExecConfig(Exec({})).message(), "No exec command specified");
  EXPECT_EQ(ValidateExecConfig(Exec({""})).code(), absl::StatusCode::kInvalidArgument);
  v1::ExecConfig relative = Exec({"ls"});
  relative.set_working_dir("tmp");
  EXPECT_EQ(ValidateExecConfig(relative).message(),
            "the working directory 'tmp' is invalid, it needs to be an absolute path");
  v1::ExecConfig bad_env = Exec({"ls"});
  bad_env.add_env("=x");
  EXPECT_EQ(ValidateExecConfig(bad_env).code(), absl::StatusCode::kInvalidArgument);
  v1::ExecConfig ok = Exec({"ls"});
  ok.set_working_dir("/tmp");
  ok.add_env("A=1");
  EXPECT_TRUE(ValidateExecConfig(ok).ok());
}

TEST(ExecSpecTest, ExecEnvOverridesAndExtendsTheContainers) {
  EXPECT_THAT(MergeEnv({"PATH=/bin", "FOO=a", "BAR=b"}, {"FOO=x", "NEW=1", "PATH=/sbin"}),
              ElementsAre("PATH=/sbin", "FOO=x", "BAR=b", "NEW=1"));
  // Only the name up to '=' decides: FOOBAR does not replace FOO.
  EXPECT_THAT(MergeEnv({"FOO=a"}, {"FOOBAR=b"}), ElementsAre("FOO=a", "FOOBAR=b"));
}

TEST(ExecSpecTest, TheProcessIsReplacedAndTheConfinementKept) {
  ShimConfig container = Container();
  v1::ExecConfig exec = Exec({"sh", "-c", "id"});
  exec.add_env("FOO=exec");
  exec.set_tty(true);
  exec.set_attach_stdin(false);
  ShimConfig c = BuildExecShimConfig(container, "cid", "eid", exec, 4242,
                                     {"/run/exec/eid.sock", "/run/exec/eid/exit.json"}, {});
  EXPECT_EQ(c.id, "eid");
  EXPECT_THAT(c.args, ElementsAre("sh", "-c", "id"));
  EXPECT_THAT(c.env, ElementsAre("PATH=/usr/bin:/bin", "HOSTNAME=abc", "FOO=exec"));
  // No user or workdir given: the container's.
  EXPECT_EQ(c.user, "daemon");
  EXPECT_EQ(c.cwd, "/srv");
  EXPECT_TRUE(c.tty);
  EXPECT_FALSE(c.open_stdin);
  EXPECT_TRUE(c.stdin_once);
  // Joins the init and its cgroup; no log of its own; its own socket.
  EXPECT_EQ(c.join_pid, 4242);
  EXPECT_EQ(c.join_container, "cid");
  EXPECT_EQ(c.log_path, "");
  EXPECT_EQ(c.socket_path, "/run/exec/eid.sock");
  EXPECT_EQ(c.exit_path, "/run/exec/eid/exit.json");
  // Exactly the main process's confinement, program file included.
  EXPECT_EQ(c.security, container.security);
  EXPECT_EQ(c.cgroup_parent, container.cgroup_parent);
  // And the JSON round trip carries the join.
  auto back = FromJson(ToJson(c));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, c);
}

TEST(ExecSpecTest, UserWorkdirAndPrivilegedFromTheExec) {
  v1::ExecConfig exec = Exec({"id"});
  exec.set_user("1000:1000");
  exec.set_working_dir("/tmp");
  exec.set_privileged(true);
  HostFacts host;
  host.capability_mask = CapabilityMask({"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_ADMIN"});
  ShimConfig c = BuildExecShimConfig(Container(), "cid", "eid", exec, 1, {"s", "e"}, host);
  EXPECT_EQ(c.user, "1000:1000");
  EXPECT_EQ(c.cwd, "/tmp");
  EXPECT_EQ(CapabilityMask(c.security.capabilities), host.capability_mask);
  // The seccomp program stays the container's, as with Docker.
  EXPECT_EQ(c.security.seccomp_program_file, "/state/cid/seccomp.bpf");
}

TEST(ExecSpecTest, ABadJoinIsRefused) {
  ShimConfig c = Container();
  c.join_pid = 7;
  c.join_container = "cid";
  std::string json = ToJson(c);
  auto pos = json.find("\"pid\": 7");
  ASSERT_NE(pos, std::string::npos) << json;
  json.replace(pos, 8, "\"pid\": 0");
  EXPECT_EQ(FromJson(json).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::runtimed::spec
