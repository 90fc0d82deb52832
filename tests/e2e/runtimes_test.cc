// --runtime runc (issue 9): the same lifecycle tests run once with Berth's
// own executor and once with Debian's runc driven by the same shim from the
// OCI config.json runtimed writes: run, logs and exit codes, exec (plain,
// -u/-w/-e, exit codes, -it through a pty), stop/kill exit codes, pause
// freezing a counter, top, cp both ways, a restart policy, --init, users
// and groups. The runc case also checks that runc really holds the
// container (`runc list` in the stack's runc root). Plus /info's Runtimes
// and InitBinary, and Docker's error for an unknown runtime.
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RuntimesTest : public BusyboxStackParamTest {
 protected:
  bool Runc() const { return GetParam() == "runc"; }
  // `docker run --runtime <param> <args>`.
  CommandResult Run(const std::string& args, const CommandOptions& options = {}) {
    return stack_->Docker("run --runtime " + GetParam() + " " + args, options);
  }
  CommandResult BerthRun(const std::string& args) {
    return stack_->Berth("run --runtime " + GetParam() + " " + args);
  }
  std::string Inspect(const std::string& name, const std::string& format) {
    return Trimmed(stack_->Docker("inspect -f '" + format + "' " + name).out);
  }
  // The ids runc itself knows in this stack (its --root is <run>/runc).
  std::string RuncList() {
    return stack_->Shell("runc --root " + stack_->root() + "/run/runc list -q").out;
  }
  // Checks which executor holds the running container `name`.
  void ExpectRuntime(const std::string& name) {
    std::string id = Inspect(name, "{{.Id}}");
    EXPECT_EQ(Inspect(name, "{{.HostConfig.Runtime}}"), GetParam());
    if (Runc()) {
      EXPECT_THAT(RuncList(), HasSubstr(id)) << "runc does not hold " << name;
    } else {
      EXPECT_THAT(RuncList(), Not(HasSubstr(id)));
    }
  }
};

TEST_P(RuntimesTest, RunLogsAndExitCodes) {
  CommandResult hello = Run("--name hello busybox sh -c 'echo out; echo err >&2; exit 3'");
  EXPECT_EQ(hello.exit_code, 3) << hello.err;
  EXPECT_EQ(hello.out, "out\n");
  EXPECT_EQ(hello.err, "err\n");
  CommandResult logs = stack_->Docker("logs hello");
  EXPECT_EQ(logs.out, "out\n");
  EXPECT_EQ(logs.err, "err\n");
  EXPECT_EQ(Inspect("hello", "{{.State.ExitCode}} {{.HostConfig.Runtime}}"), "3 " + GetParam());
  // A command that is not there: 127 and the executor's words.
  CommandResult missing = Run("--rm busybox no-such-command");
  EXPECT_EQ(missing.exit_code, 127) << missing.out << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("executable file not found"));
  // stdin, environment, workdir, hostname = short id, own pid namespace.
  CommandResult in = Run("--rm -i -e FOO=bar -w /tmp busybox sh -c 'cat; echo $FOO; pwd; echo $$'",
                         CommandOptions{.stdin_data = "piped\n"});
  EXPECT_EQ(in.out, "piped\nbar\n/tmp\n1\n") << in.err;
  // The berth CLI too.
  CommandResult berth = BerthRun("--rm busybox sh -c 'echo via-berth; exit 4'");
  EXPECT_EQ(berth.exit_code, 4) << berth.err;
  EXPECT_EQ(berth.out, "via-berth\n");
  // A detached one is really held by the runtime asked for.
  ASSERT_EQ(Run("-d --name held busybox sleep 600").exit_code, 0);
  ExpectRuntime("held");
}

TEST_P(RuntimesTest, InteractiveTtyThroughAPty) {
  CommandResult run = stack_->Shell(
      "python3 " + Stack::SourceDir() + "/tests/e2e/support/pty_session.py --timeout 40 "
      "'expect:#' 'send:tty\\n' 'expect:/dev/pts/[0-9]+' "
      "'send:echo typed-$((40+2))\\n' 'expect:typed-42' 'send:exit 5\\n' -- "
      "docker run -it --rm --runtime " + GetParam() + " busybox sh");
  EXPECT_EQ(run.exit_code, 5) << run.out;
  EXPECT_THAT(run.out, HasSubstr("/dev/pts/"));
  EXPECT_THAT(run.out, HasSubstr("typed-42"));
}

TEST_P(RuntimesTest, ExecPlainUserWorkdirEnvExitCodesAndTty) {
  ASSERT_EQ(Run("-d --name ctr busybox sleep 600").exit_code, 0);
  CommandResult echo = stack_->Docker("exec ctr echo hello from exec");
  EXPECT_EQ(echo.exit_code, 0) << echo.err;
  EXPECT_EQ(echo.out, "hello from exec\n");
  EXPECT_EQ(stack_->Docker("exec ctr sh -c 'exit 7'").exit_code, 7);
  EXPECT_EQ(Trimmed(stack_->Docker("exec -u nobody -w /tmp -e X=y ctr sh -c 'id -un; pwd; echo $X'").out),
            "nobody\n/tmp\ny");
  EXPECT_EQ(Trimmed(stack_->Berth("exec -u 1000:65534 ctr sh -c 'id -u; id -g'").out), "1000\n65534");
  // The exec shares the container's pid namespace and confinement.
  EXPECT_EQ(Trimmed(stack_->Docker("exec ctr sh -c 'cat /proc/1/cmdline | tr \"\\0\" \" \"'").out),
            "sleep 600");
  EXPECT_EQ(Trimmed(stack_->Docker("exec ctr grep ^CapBnd: /proc/self/status").out),
            Trimmed(stack_->Docker("exec ctr grep ^CapBnd: /proc/1/status").out));
  EXPECT_EQ(Trimmed(stack_->Docker("exec ctr grep ^Seccomp: /proc/self/status").out),
            "Seccomp:\t2");
  CommandOptions in;
  in.stdin_data = "line1\n";
  CommandResult cat = stack_->Docker("exec -i ctr sh -c 'cat; echo after-eof'", in);
  EXPECT_EQ(cat.out, "line1\nafter-eof\n") << cat.err;
  CommandResult missing = stack_->Docker("exec ctr no-such-command");
  EXPECT_EQ(missing.exit_code, 127) << missing.out << missing.err;
  CommandResult tty = stack_->Shell(
      "python3 " + Stack::SourceDir() + "/tests/e2e/support/pty_session.py --timeout 40 "
      "'expect:#' 'send:tty\\n' 'expect:/dev/pts/[0-9]+' 'send:exit 6\\n' -- "
      "docker exec -it ctr sh");
  EXPECT_EQ(tty.exit_code, 6) << tty.out;
  ASSERT_EQ(stack_->Docker("stop -t 1 ctr").exit_code, 0);
  CommandResult stopped = stack_->Docker("exec ctr true");
  EXPECT_NE(stopped.exit_code, 0);
  EXPECT_THAT(stopped.err, HasSubstr("is not running"));
}

TEST_P(RuntimesTest, StopAndKillExitCodes) {
  // pid 1 without a handler ignores SIGTERM: SIGKILL after the timeout.
  ASSERT_EQ(Run("-d --name st busybox sleep 600").exit_code, 0);
  ASSERT_EQ(stack_->Docker("stop -t 1 st").exit_code, 0);
  EXPECT_EQ(Inspect("st", "{{.State.Status}} {{.State.ExitCode}}"), "exited 137");
  // A shell that traps TERM exits with its own code.
  ASSERT_EQ(Run("-d --name tr busybox sh -c 'trap \"exit 42\" TERM; while true; do sleep 0.1; done'")
                .exit_code,
            0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(stack_->Docker("stop -t 10 tr").exit_code, 0);
  EXPECT_EQ(Inspect("tr", "{{.State.ExitCode}}"), "42");
  // kill sends the signal asked for (pid 1 acts only on handled ones).
  ASSERT_EQ(Run("-d --name kk busybox sh -c 'trap \"exit 7\" USR1; while true; do sleep 0.1; done'")
                .exit_code,
            0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(stack_->Docker("kill -s USR1 kk").exit_code, 0);
  EXPECT_EQ(Trimmed(stack_->Docker("wait kk").out), "7");
  ASSERT_EQ(Run("-d --name k9 busybox sleep 600").exit_code, 0);
  ASSERT_EQ(stack_->Docker("kill k9").exit_code, 0);
  EXPECT_EQ(Trimmed(stack_->Docker("wait k9").out), "137");
  // A start after the stop runs it again (runc's state was cleaned up).
  ASSERT_EQ(stack_->Docker("start st").exit_code, 0);
  EXPECT_EQ(Inspect("st", "{{.State.Status}}"), "running");
  ExpectRuntime("st");
  ASSERT_EQ(stack_->Docker("rm -f st").exit_code, 0);
  if (Runc()) EXPECT_EQ(RuncList(), "");
}

TEST_P(RuntimesTest, PauseFreezesACounterAndTopListsTheProcesses) {
  std::string out_dir = stack_->root() + "/counter";
  ASSERT_EQ(stack_->Shell("mkdir -p " + out_dir).exit_code, 0);
  ASSERT_EQ(Run("-d --name pp -v " + out_dir +
                ":/out busybox sh -c 'i=0; while true; do i=$((i+1)); echo $i > /out/n; "
                "usleep 20000; done'")
                .exit_code,
            0);
  auto counter = [&] {
    long n = -1;
    return absl::SimpleAtoi(Trimmed(ReadFileText(out_dir + "/n")), &n) ? n : -1;
  };
  for (int i = 0; i < 200 && counter() <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(stack_->Docker("pause pp").exit_code, 0);
  EXPECT_EQ(Inspect("pp", "{{.State.Status}}"), "paused");
  long frozen = counter();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(counter(), frozen);
  CommandResult top = stack_->Docker("top pp");
  EXPECT_EQ(top.exit_code, 0) << top.err;
  EXPECT_THAT(top.out, HasSubstr("while true"));
  ASSERT_EQ(stack_->Docker("unpause pp").exit_code, 0);
  long later = frozen;
  for (int i = 0; i < 200 && later <= frozen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    later = counter();
  }
  EXPECT_GT(later, frozen);
  // top lists the container's processes only (the two sleeps).
  ASSERT_EQ(Run("-d --name tt busybox sh -c 'sleep 1234 & exec sleep 4321'").exit_code, 0);
  for (int i = 0; i < 50; ++i) {
    top = stack_->Berth("top tt");
    if (top.out.find("sleep 1234") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::vector<std::string> lines = absl::StrSplit(Trimmed(top.out), '\n');
  EXPECT_EQ(lines.size(), 3u) << top.out;
  EXPECT_THAT(top.out, HasSubstr("sleep 4321"));
}

TEST_P(RuntimesTest, CopyBothWaysAndResourcesApply) {
  std::string host = stack_->root() + "/cp";
  ASSERT_EQ(stack_->Shell("mkdir -p " + host + " && echo copied-in > " + host + "/in.txt")
                .exit_code,
            0);
  ASSERT_EQ(Run("-d --name cp -m 64m --pids-limit 50 busybox sleep 600").exit_code, 0);
  ASSERT_EQ(stack_->Docker("cp " + host + "/in.txt cp:/tmp/in.txt").exit_code, 0);
  EXPECT_EQ(Trimmed(stack_->Docker("exec cp cat /tmp/in.txt").out), "copied-in");
  ASSERT_EQ(stack_->Docker("exec cp sh -c 'echo made-inside > /tmp/out.txt'").exit_code, 0);
  ASSERT_EQ(stack_->Docker("cp cp:/tmp/out.txt " + host + "/out.txt").exit_code, 0);
  EXPECT_EQ(Trimmed(ReadFileText(host + "/out.txt")), "made-inside");
  // The limits reached the container's cgroup, berth/<id> with either
  // runtime (runc made it from config.json) ...
  const std::string id = Inspect("cp", "{{.Id}}");
  auto cgroup_file = [&](const std::string& file) {
    return Trimmed(ReadFileText("/sys/fs/cgroup/" + file.substr(0, file.find('.')) + "/berth/" +
                                id + "/" + file));
  };
  EXPECT_EQ(cgroup_file("pids.max"), "50");
  EXPECT_EQ(cgroup_file("memory.limit_in_bytes"), "67108864");
  // ... and docker update changes them live.
  ASSERT_EQ(stack_->Docker("update --pids-limit 60 cp").exit_code, 0);
  EXPECT_EQ(cgroup_file("pids.max"), "60");
  // The stopped container's files come from its snapshot.
  ASSERT_EQ(stack_->Docker("stop -t 1 cp").exit_code, 0);
  ASSERT_EQ(stack_->Docker("cp cp:/tmp/in.txt " + host + "/again.txt").exit_code, 0);
  EXPECT_EQ(Trimmed(ReadFileText(host + "/again.txt")), "copied-in");
}

TEST_P(RuntimesTest, OnFailureRestartsTwiceThenStops) {
  ASSERT_EQ(Run("-d --name rp --restart on-failure:2 busybox sh -c 'exit 3'").exit_code, 0);
  std::string state;
  for (int i = 0; i < 150; ++i) {
    state = Inspect("rp", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}");
    if (state == "exited 2 3") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(state, "exited 2 3");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Inspect("rp", "{{.RestartCount}}"), "2");
}

TEST_P(RuntimesTest, InitReapsAndGroupsComeFromTheImage) {
  const std::string orphan_maker = "sh -c 'sh -c \"sleep 1 &\"; exec sleep 600'";
  ASSERT_EQ(Run("-d --init --name ii busybox " + orphan_maker).exit_code, 0);
  std::string states;
  for (int i = 0; i < 30; ++i) {
    states = stack_->Docker("exec ii sh -c 'for f in /proc/[0-9]*/stat; do read a b c rest < $f; "
                            "echo \"$a $b $c\"; done'").out;
    if (states.find("(sh)") == std::string::npos) break;  // the orphan is gone
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_THAT(states, HasSubstr("1 (docker-init) S"));
  EXPECT_THAT(states, Not(HasSubstr(" Z"))) << states;
  CommandResult id = Run("--rm -u daemon --group-add 4242 busybox id");
  EXPECT_EQ(Trimmed(id.out), "uid=1(daemon) gid=1(daemon) groups=1(daemon),4242") << id.err;
}

INSTANTIATE_TEST_SUITE_P(Runtimes, RuntimesTest, ::testing::Values("berth", "runc"),
                         [](const auto& info) { return info.param; });

// What /info says about runtimes and the init, and Docker's refusal of a
// runtime that is not there.
TEST_F(BusyboxStackTest, InfoListsRuntimesAndUnknownOnesAreRefused) {
  CommandResult info = stack_->Docker("info -f '{{json .Runtimes}} {{.DefaultRuntime}} {{.InitBinary}}'");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_EQ(Trimmed(info.out),
            R"({"berth":{"path":"berth-shim"},"runc":{"path":"/usr/sbin/runc"}} berth docker-init)");
  CommandResult bad = stack_->Docker("run --rm --runtime nosuch busybox true");
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_THAT(bad.err, HasSubstr("unknown or invalid runtime name: nosuch"));
  CommandResult berth_bad = stack_->Berth("run --rm --runtime nosuch busybox true");
  EXPECT_NE(berth_bad.exit_code, 0);
  EXPECT_THAT(berth_bad.err, HasSubstr("unknown or invalid runtime name: nosuch"));
  CommandResult privileged = stack_->Docker("run --rm --runtime runc --privileged busybox true");
  EXPECT_NE(privileged.exit_code, 0);
  EXPECT_THAT(privileged.err, HasSubstr("not supported with --runtime runc"));
}

}  // namespace
}  // namespace berth::e2e
