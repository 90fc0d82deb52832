// docker exec end to end: the same cases through the real docker CLI (REST
// facade) and the berth CLI (gRPC API), plus docker-py's exec_run. Each case
// starts its own stack with the busybox image and one long-running container
// `c` (sleep), then execs into it.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;


class ExecTest : public BusyboxStackCliTest {
 protected:
  void SetUp() override {
    BusyboxStackCliTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    CommandResult run = Cli("run -d --name ctr busybox sleep 600");
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  }
  // Output of `exec ctr <args>`, failing the test on a non-zero exit.
  std::string Exec(const std::string& args) {
    CommandResult r = Cli("exec " + args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.out << r.err;
    return Trimmed(r.out);
  }
};

TEST_P(ExecTest, OutputExitCodeUserWorkdirEnv) {
  CommandResult echo = Cli("exec ctr echo hello from exec");
  EXPECT_EQ(echo.exit_code, 0) << echo.err;
  EXPECT_EQ(echo.out, "hello from exec\n");
  // stderr stays stderr without a tty.
  CommandResult err = Cli("exec ctr sh -c 'echo to-err >&2'");
  EXPECT_EQ(err.out, "");
  EXPECT_EQ(err.err, "to-err\n");
  EXPECT_EQ(Cli("exec ctr sh -c 'exit 7'").exit_code, 7);
  EXPECT_EQ(Exec("-u 1000 ctr sh -c 'id -u; id -g'"), "1000\n0");
  EXPECT_EQ(Exec("-u nobody ctr id -un"), "nobody");
  EXPECT_EQ(Exec("-u 1000:65534 ctr id -g"), "65534");
  EXPECT_EQ(Exec("-w /tmp ctr pwd"), "/tmp");
  EXPECT_EQ(Exec("ctr pwd"), "/");
  EXPECT_EQ(Exec("-e FOO=bar ctr sh -c 'echo $FOO'"), "bar");
  // The container's environment is there too (PATH, HOSTNAME), HOME from passwd.
  EXPECT_THAT(Exec("ctr env"), HasSubstr("PATH=/usr/local/sbin:"));
  EXPECT_EQ(Exec("-u nobody ctr sh -c 'echo $HOME'"), "/home");
  // Input reaches the process and its end closes the process's stdin.
  CommandOptions in;
  in.stdin_data = "line1\nline2\n";
  CommandResult cat = Cli("exec -i ctr sh -c 'cat; echo after-eof'", in);
  EXPECT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(cat.out, "line1\nline2\nafter-eof\n");
  // A command that is not there: 127 and the executor's words.
  CommandResult missing = Cli("exec ctr no-such-command");
  EXPECT_EQ(missing.exit_code, 127) << missing.out << missing.err;
  EXPECT_THAT(missing.out + missing.err, HasSubstr("executable file not found"));
  CommandResult bad_dir = Cli("exec -w /no/such/dir ctr true");
  EXPECT_EQ(bad_dir.exit_code, 126) << bad_dir.out << bad_dir.err;
}

TEST_P(ExecTest, DetachedRunsInTheBackground) {
  CommandResult d = Cli("exec -d ctr sh -c 'sleep 0.3; echo done > /tmp/detached'");
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(d.out, "");
  std::string seen;
  for (int i = 0; i < 50 && seen != "done"; ++i) {
    seen = Trimmed(Cli("exec ctr cat /tmp/detached").out);
    if (seen != "done") usleep(100 * 1000);
  }
  EXPECT_EQ(seen, "done");
  // runtimed counts the starts and times them (two ok, one failure, both CLIs).
  EXPECT_NE(Cli("exec ctr no-such-command").exit_code, 0);
  std::string metrics =
      stack_->Shell("curl -sf http://" + stack_->MetricsAddress("runtimed") + "/metrics").out;
  EXPECT_THAT(metrics, HasSubstr("berth_runtimed_exec_starts_total{result=\"error\"} 1"));
  EXPECT_THAT(metrics, ::testing::ContainsRegex(
                           "berth_runtimed_exec_starts_total\\{result=\"ok\"\\} [1-9][0-9]*"));
  EXPECT_THAT(metrics, ::testing::ContainsRegex("berth_runtimed_exec_start_seconds_count [1-9]"));
}

TEST_P(ExecTest, SharesTheMainProcessNamespacesCgroupAndConfinement) {
  // pid 1 in the exec's pid namespace is the container's command.
  EXPECT_THAT(Exec("ctr ps -o pid,args"), MatchesRegex("(.|\n)*\n *1 +sleep 600(.|\n)*"));
  for (const char* ns : {"mnt", "uts", "ipc", "net", "pid", "cgroup"}) {
    EXPECT_EQ(Exec(std::string("ctr sh -c 'readlink /proc/1/ns/") + ns + "; readlink /proc/self/ns/" +
                   ns + "' | uniq | wc -l"),
              "1")
        << ns;
  }
  EXPECT_EQ(Exec("ctr sh -c 'cat /proc/1/cgroup; cat /proc/self/cgroup' | sort -u | wc -l"),
            Exec("ctr sh -c 'cat /proc/1/cgroup | wc -l'"));
  for (const char* field : {"CapBnd", "CapEff", "Seccomp", "NoNewPrivs"}) {
    std::string grep = std::string("grep ^") + field + ": /proc/";
    EXPECT_EQ(Exec("ctr " + grep + "self/status"), Exec("ctr " + grep + "1/status")) << field;
  }
  // The masked paths come with the mount namespace.
  EXPECT_EQ(Exec("ctr sh -c 'cat /proc/kcore | wc -c'"), "0");
  // --privileged widens only the exec's capabilities.
  EXPECT_NE(Exec("--privileged ctr grep ^CapBnd: /proc/self/status"),
            Exec("ctr grep ^CapBnd: /proc/1/status"));
}

TEST_P(ExecTest, InteractiveTtyThroughAPty) {
  CommandResult run = stack_->Shell(
      "python3 " + Stack::SourceDir() + "/tests/e2e/support/pty_session.py --timeout 40 "
      "'expect:#' 'send:tty\\n' 'expect:/dev/pts/[0-9]+' "
      "'send:stty size\\n' 'expect:33 111' "
      "'send:echo typed-$((40+2))\\n' 'expect:typed-42' 'send:exit 5\\n' -- "
      "sh -c 'stty rows 33 cols 111; exec " +
      CliPath() + " exec -it ctr sh'");
  EXPECT_EQ(run.exit_code, 5) << run.out;
  EXPECT_THAT(run.out, HasSubstr("/dev/pts/"));
  EXPECT_THAT(run.out, HasSubstr("echo typed-$((40+2))"));
}

TEST_P(ExecTest, StoppedContainerIsRefused) {
  ASSERT_EQ(Cli("stop -t 1 ctr").exit_code, 0);
  CommandResult r = Cli("exec ctr true");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, MatchesRegex("(.|\n)*container [0-9a-f]{64} is not running(.|\n)*"));
  CommandResult missing = Cli("exec no-such-container true");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("No such container: no-such-container"));
}

INSTANTIATE_TEST_SUITE_P(Cli, ExecTest, ::testing::Values("docker", "berth"),
                         [](const auto& info) { return info.param; });

// docker-py as a third client: exec_run's output and exit code, user,
// workdir, environment, and a 409 for a stopped container.
TEST_F(BusyboxStackTest, DockerPyExecRun) {
  const char* script = R"PY(
import docker, sys
client = docker.from_env(timeout=30)
c = client.containers.run("busybox", ["sleep", "600"], detach=True)
r = c.exec_run(["sh", "-c", "echo out; echo err >&2; exit 3"])
assert r.exit_code == 3 and r.output == b"out\nerr\n", r
r = c.exec_run("id -u", user="1000")
assert r.exit_code == 0 and r.output == b"1000\n", r
r = c.exec_run("pwd", workdir="/tmp")
assert r.output == b"/tmp\n", r
r = c.exec_run(["sh", "-c", "echo $FOO"], environment={"FOO": "bar"})
assert r.output == b"bar\n", r
r = c.exec_run("echo split", demux=True)
assert r.output == (b"split\n", None), r
c.stop(timeout=1)
try:
    c.exec_run("true")
    sys.exit("exec in a stopped container was not refused")
except docker.errors.APIError as e:
    assert e.status_code == 409 and "is not running" in str(e), e
print("ok")
)PY";
  CommandResult flow = stack_->Shell("/usr/bin/python3 -", CommandOptions{.stdin_data = script});
  EXPECT_EQ(flow.exit_code, 0) << flow.out << flow.err;
  EXPECT_EQ(flow.out, "ok\n") << flow.err;
}

// Exec records survive runtimed being SIGKILLed: docker-py's
// exec_inspect (GET /exec/{id}/json) still answers with the ExitCode of a
// finished exec and Running for a running one, which the new runtimed
// watches again until it ends.
TEST_F(BusyboxStackTest, ExecRecordsSurviveARuntimedSigkill) {
  const char* before = R"PY(
import docker, time
api = docker.from_env(timeout=30).api
c = api.create_container("busybox", ["sleep", "600"], name="xr")
api.start(c)
done = api.exec_create("xr", ["sh", "-c", "exit 5"])["Id"]
api.exec_start(done, detach=True)
running = api.exec_create("xr", ["sleep", "301"])["Id"]
api.exec_start(running, detach=True)
for _ in range(100):
    if not api.exec_inspect(done)["Running"] and api.exec_inspect(running)["Running"]:
        break
    time.sleep(0.1)
assert api.exec_inspect(done)["ExitCode"] == 5, api.exec_inspect(done)
assert api.exec_inspect(running)["Running"], api.exec_inspect(running)
print(done, running)
)PY";
  CommandResult first = stack_->Shell("/usr/bin/python3 -", CommandOptions{.stdin_data = before});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const std::string ids = Trimmed(first.out);  // "<done> <running>"
  ASSERT_NE(ids.find(' '), std::string::npos) << first.out;

  int pid = stack_->ServicePid("runtimed");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;

  std::string after = R"PY(
import docker, os, signal, sys, time
api = docker.from_env(timeout=30).api
done, running = sys.argv[1], sys.argv[2]
for _ in range(50):  # apid reconnects to the new runtimed
    try:
        d = api.exec_inspect(done)
        break
    except Exception:
        time.sleep(0.2)
assert d["ExitCode"] == 5 and not d["Running"], d
r = api.exec_inspect(running)
assert r["Running"] and r["ExitCode"] is None, r
assert r["ProcessConfig"]["entrypoint"] == "sleep", r
# The new runtimed notices its end (Pid is the host's pid of the process).
os.kill(r["Pid"], signal.SIGTERM)
for _ in range(100):
    r = api.exec_inspect(running)
    if not r["Running"]:
        break
    time.sleep(0.1)
assert not r["Running"] and r["ExitCode"] == 143, r
print("ok")
)PY";
  CommandResult second = stack_->Shell("/usr/bin/python3 - " + ids,
                                       CommandOptions{.stdin_data = after});
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(second.out, "ok\n") << second.err;
}

}  // namespace
}  // namespace berth::e2e
