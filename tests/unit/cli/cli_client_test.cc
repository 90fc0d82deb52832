// The real `berth` binary against an in-process fake apid (fake_apid.h): the
// order of RPCs in `run`, stdio, exit codes and output formats. No root, no
// services; each test gets its own socket in a fresh temp dir.
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/cli/fake_apid.h"

namespace berth::cli::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CliClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-cli-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    host_ = "unix://" + dir_ + "/api.sock";
    fake_ = FakeApid::Start(host_);
  }
  void TearDown() override {
    fake_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Starts berth with `args` (after --host), stdin from `stdin_data`.
  pid_t Spawn(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    {
      std::ofstream(dir_ + "/stdin", std::ios::binary) << stdin_data;
    }
    std::vector<std::string> argv = {BERTH_BINARY, "--host", host_};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_t pid = fork();
    if (pid == 0) {
      int in = open((dir_ + "/stdin").c_str(), O_RDONLY);
      int out = open((dir_ + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = open((dir_ + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> c_argv;
      for (auto& a : argv) c_argv.push_back(a.data());
      c_argv.push_back(nullptr);
      execv(c_argv[0], c_argv.data());
      _exit(99);
    }
    return pid;
  }

  Result Finish(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
    r.out = ReadFile(dir_ + "/stdout");
    r.err = ReadFile(dir_ + "/stderr");
    return r;
  }

  Result Berth(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    return Finish(Spawn(args, stdin_data));
  }

  bool CalledEventually(const std::string& call) {
    for (int i = 0; i < 200; ++i) {
      for (const auto& c : fake_->calls()) {
        if (c == call) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  std::string dir_;
  std::string host_;
  std::unique_ptr<FakeApid> fake_;
};

TEST_F(CliClientTest, RunAttachesAndWaitsBeforeStart) {
  Result r = Berth({"run", "--rm", "img", "echo", "hello", "world"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello world\n");
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(fake_->calls(),
              ElementsAre("create", "attach stdin=0", "wait WAIT_CONDITION_REMOVED", "start"));
  berth::v1::ContainerConfig config = fake_->last_config();
  EXPECT_TRUE(config.auto_remove());
  EXPECT_TRUE(config.attach_stdout());
  EXPECT_FALSE(config.attach_stdin());
  EXPECT_EQ(config.image(), "img");
}

TEST_F(CliClientTest, RunExitCodeAndStderrPassThrough) {
  // Options after IMAGE ("-c") belong to the container's command.
  Result r = Berth({"run", "img", "sh", "-c", "exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "bye\n");
  EXPECT_THAT(fake_->calls(), ::testing::Contains("wait WAIT_CONDITION_NEXT_EXIT"));
  EXPECT_THAT(fake_->last_config().cmd(), ElementsAre("sh", "-c", "exit 3"));
}

TEST_F(CliClientTest, RunMissingExecutableExits127AndRemovesWithRm) {
  Result r = Berth({"run", "--rm", "img", "nosuch"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_THAT(r.err, HasSubstr("berth: Error response from daemon: exec: \"nosuch\": "
                               "executable file not found"));
  EXPECT_THAT(fake_->calls(), ::testing::Contains("rm force=1"));
}

TEST_F(CliClientTest, RunPipesStdinUntilEof) {
  Result r = Berth({"run", "-i", "img", "cat"}, "line1\nline2\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "line1\nline2\n");
  EXPECT_THAT(fake_->calls(), ::testing::Contains("attach stdin=1"));
  EXPECT_THAT(fake_->calls(), ::testing::Contains("close_stdin"));
  EXPECT_TRUE(fake_->last_config().stdin_once());
  EXPECT_TRUE(fake_->last_config().open_stdin());
}

TEST_F(CliClientTest, RunDetachedPrintsIdOnly) {
  Result r = Berth({"run", "-d", "--name", "web", "-e", "A=1", "-p", "127.0.0.1:8080:80",
                    "img", "sleep"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(63, '0') + "1\n");
  EXPECT_THAT(fake_->calls(), ElementsAre("create", "start"));
  berth::v1::ContainerConfig config = fake_->last_config();
  EXPECT_FALSE(config.attach_stdout());
  EXPECT_THAT(config.env(), ElementsAre("A=1"));
  ASSERT_EQ(config.port_bindings_size(), 1);
  EXPECT_EQ(config.port_bindings(0).host_ip(), "127.0.0.1");
  EXPECT_EQ(config.port_bindings(0).host_port(), 8080u);
  EXPECT_THAT(config.exposed_ports(), ElementsAre("80/tcp"));

  Result ps = Berth({"ps"});
  EXPECT_EQ(ps.exit_code, 0) << ps.err;
  std::istringstream lines(ps.out);
  std::string header, row;
  std::getline(lines, header);
  std::getline(lines, row);
  EXPECT_EQ(header,
            "CONTAINER ID   IMAGE     COMMAND   CREATED          STATUS         "
            "PORTS                    NAMES");
  EXPECT_EQ(row,
            "000000000000   img       \"sleep\"   10 seconds ago   Up 2 seconds   "
            "127.0.0.1:8080->80/tcp   web");
  Result quiet = Berth({"ps", "-q"});
  EXPECT_EQ(quiet.out, "000000000000\n");
}

TEST_F(CliClientTest, PsAndImagesSendFiltersAndLimits) {
  EXPECT_EQ(Berth({"ps", "-f", "label=a=1", "--filter", "status=exited", "-f", "label=b"})
                .exit_code,
            0);
  EXPECT_EQ(Berth({"ps", "-n", "2"}).exit_code, 0);
  EXPECT_EQ(Berth({"ps", "-l"}).exit_code, 0);
  EXPECT_EQ(Berth({"images", "-f", "dangling=true", "-f", "reference=bus*"}).exit_code, 0);
  EXPECT_THAT(fake_->calls(), ElementsAre("ps label=a=1,b status=exited", "ps limit=2",
                                          "ps limit=1", "images dangling=true reference=bus*"));
  Result bad = Berth({"ps", "-f", "status"});
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_THAT(bad.err, HasSubstr("bad format of filter (expected name=value): status"));
}

TEST_F(CliClientTest, RunForwardsSignalsWithoutTty) {
  pid_t pid = Spawn({"run", "img", "sleep"});
  ASSERT_TRUE(CalledEventually("start"));
  // The signal handler may be installed just after start: retry until seen
  // (up to 10 s: on a loaded machine the CLI can take seconds to get there).
  bool forwarded = false;
  for (int i = 0; i < 200 && !forwarded; ++i) {
    kill(pid, SIGINT);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const auto& c : fake_->calls()) forwarded |= c == "kill SIGINT";
  }
  Result r = Finish(pid);
  EXPECT_TRUE(forwarded);
  EXPECT_EQ(r.exit_code, 130) << r.err;
}

TEST_F(CliClientTest, RunTtyUsesRawModeResizesAndRestoresTheTerminal) {
  struct winsize ws {};
  ws.ws_row = 30;
  ws.ws_col = 100;
  int master = -1;
  std::string berth = BERTH_BINARY;
  pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl(berth.c_str(), berth.c_str(), "--host", host_.c_str(), "run", "-it", "img", "cat",
          static_cast<char*>(nullptr));
    _exit(99);
  }
  ASSERT_TRUE(CalledEventually("resize 30x100"));
  ws.ws_row = 40;
  ws.ws_col = 120;
  ASSERT_EQ(ioctl(master, TIOCSWINSZ, &ws), 0);  // the kernel sends SIGWINCH
  EXPECT_TRUE(CalledEventually("resize 40x120"));
  // In raw mode the line discipline neither echoes nor buffers: what comes
  // back is the container's echo, and Ctrl-D reaches the container as a byte.
  const std::string typed = "hi\x04";
  ASSERT_EQ(write(master, typed.data(), typed.size()), static_cast<ssize_t>(typed.size()));
  EXPECT_TRUE(CalledEventually("ctrl-d"));
  struct termios after {};
  std::string transcript;
  char buf[256];
  for (;;) {
    ssize_t n = read(master, buf, sizeof(buf));
    if (n <= 0) break;  // EIO once the child and its pty slave are gone
    transcript.append(buf, n);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(transcript, typed);
  // The terminal mode was restored before exit (the master reports the
  // slave's termios).
  ASSERT_EQ(tcgetattr(master, &after), 0);
  EXPECT_NE(after.c_lflag & ICANON, 0u);
  EXPECT_NE(after.c_lflag & ECHO, 0u);
  close(master);
  berth::v1::ContainerConfig config = fake_->last_config();
  EXPECT_TRUE(config.tty());
  EXPECT_EQ(config.console_height(), 30u);
  EXPECT_EQ(config.console_width(), 100u);
}

TEST_F(CliClientTest, CreateErrorExits125) {
  Result r = Berth({"run", "missing"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_THAT(r.err, HasSubstr("berth: Error response from daemon: No such image: missing"));
}

TEST_F(CliClientTest, BadPublishSpecExits125WithoutCallingTheDaemon) {
  Result r = Berth({"run", "-p", "80:http", "img"});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_THAT(r.err, HasSubstr("80:http"));
  EXPECT_THAT(fake_->calls(), ::testing::IsEmpty());
}

TEST_F(CliClientTest, TtyWithoutTerminalIsRefused) {
  Result r = Berth({"run", "-it", "img", "sh"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("the input device is not a TTY"));
}

TEST_F(CliClientTest, UnreachableDaemon) {
  fake_->Shutdown();
  Result ps = Berth({"ps"});
  EXPECT_EQ(ps.exit_code, 1);
  EXPECT_THAT(ps.err, HasSubstr("Cannot connect to the Berth daemon at " + host_ +
                                ". Is apid running?"));
  Result run = Berth({"run", "img", "true"});
  EXPECT_EQ(run.exit_code, 125);
}

TEST_F(CliClientTest, HealthFollowsTheServer) {
  Result up = Berth({"health"});
  EXPECT_EQ(up.exit_code, 0) << up.err;
  fake_->Shutdown();
  Result down = Berth({"health", "--timeout-ms", "500"});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(down.err, HasSubstr("not serving"));
}

TEST_F(CliClientTest, ImportStreamsChunks) {
  std::string archive(200 * 1024, 'x');
  archive[12345] = 'y';
  {
    std::ofstream(dir_ + "/rootfs.tar", std::ios::binary) << archive;
  }
  Result r = Berth({"import", dir_ + "/rootfs.tar", "busybox:latest"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "sha256:" + std::string(64, 'a') + "\n");
  EXPECT_EQ(fake_->imported_bytes(), archive);
  EXPECT_EQ(fake_->imported_chunks(), 4);  // 64 KiB chunks
  EXPECT_EQ(fake_->imported_repo(), "busybox:latest");

  Result from_stdin = Berth({"import", "-"}, "abc");
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(fake_->imported_bytes(), "abc");
  EXPECT_EQ(fake_->imported_repo(), "");
}

TEST_F(CliClientTest, ImagesTable) {
  Result r = Berth({"images"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "REPOSITORY   TAG       IMAGE ID       CREATED          SIZE\n"
            "<none>       <none>    cccccccccccc   30 seconds ago   1kB\n"
            "busybox      latest    bbbbbbbbbbbb   3 hours ago      4.26MB\n");
}

TEST_F(CliClientTest, RmiReportsAndGoesOnAfterErrors) {
  Result r = Berth({"rmi", "nope", "busybox"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "Untagged: busybox:latest\nDeleted: sha256:" + std::string(64, 'b') + "\n");
  EXPECT_THAT(r.err, HasSubstr("Error response from daemon: No such image: nope"));
}

TEST_F(CliClientTest, StopPrintsNamesAndReportsMissingOnes) {
  ASSERT_EQ(Berth({"run", "-d", "--name", "a", "img", "sleep"}).exit_code, 0);
  Result r = Berth({"stop", "-t", "1", "a", "b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "a\n");
  EXPECT_THAT(r.err, HasSubstr("Error response from daemon: No such container: b"));
  EXPECT_THAT(fake_->calls(), ::testing::Contains("stop a t=1"));
  Result all = Berth({"ps", "-a"});
  EXPECT_THAT(all.out, HasSubstr("Exited (137) 1 second ago"));
}

TEST_F(CliClientTest, LogsSplitStreamsAndTimestamps) {
  Result r = Berth({"logs", "--tail", "5", "-t", "x"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2024-01-02T03:04:05.000000000Z out line\n");
  EXPECT_EQ(r.err, "2024-01-02T03:04:05.000000000Z err line\n");
  Result all = Berth({"logs", "x"});
  EXPECT_EQ(all.out, "out line\n");
  EXPECT_THAT(fake_->calls(), AllOf(::testing::Contains("logs tail=5 follow=0"),
                                    ::testing::Contains("logs tail=-1 follow=0")));
}

TEST_F(CliClientTest, InspectPrintsJsonArrayOrNoSuchObject) {
  ASSERT_EQ(Berth({"run", "-d", "--name", "web", "img", "sleep"}).exit_code, 0);
  Result r = Berth({"inspect", "web"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, AllOf(HasSubstr("[\n    {\n"), HasSubstr("\"name\": \"web\""),
                           HasSubstr("\n]\n")));
  Result missing = Berth({"inspect", "zzz"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "[]\n");
}

TEST_F(CliClientTest, VersionAndInfo) {
  Result v = Berth({"version"});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_THAT(v.out, AllOf(HasSubstr("Client:"), HasSubstr("Server:"), HasSubstr("9.8.7"),
                           HasSubstr("1.41"), HasSubstr("linux/amd64"),
                           HasSubstr("6.1.0-fake")));
  Result i = Berth({"info"});
  EXPECT_EQ(i.exit_code, 0) << i.err;
  EXPECT_THAT(i.out, AllOf(HasSubstr(" Containers: 3\n"), HasSubstr("  Running: 1\n"),
                           HasSubstr(" Images: 4\n"), HasSubstr("23.44GiB"),
                           HasSubstr("  imaged: serving\n"),
                           HasSubstr("  netd: not serving (connection refused)\n")));
}

}  // namespace
}  // namespace berth::cli::testing
