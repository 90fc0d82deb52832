// Root tests: real containers from a busybox rootfs through ContainerManager
// and berth-shim.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "common/fs/fs.h"
#include "absl/strings/str_split.h"
#include "container_fixture.h"
#include "gmock/gmock.h"

namespace berth::runtimed::testing {
namespace {

using ::testing::HasSubstr;

StartRequest Start(const std::string& id) { return StartRequest{id, {}, "", ""}; }

TEST_F(ContainerTest, EchoReachesAttachAndLogs) {
  v1::Container c = Create({"echo", "hello"});
  auto session = manager_->Attach(c.id(), AttachOptions{false, true, true});
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  EXPECT_EQ(ReadAll(**session), "hello\n");
  EXPECT_EQ(WaitExit(c.id()), 0);
  EXPECT_EQ(Logs(c.id()), "hello\n");
  auto record = manager_->InspectContainer(c.id());
  EXPECT_EQ(record->state().status(), v1::CONTAINER_STATUS_EXITED);
}

TEST_F(ContainerTest, ExitCodeIsKept) {
  v1::Container c = Create({"sh", "-c", "exit 3"});
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  EXPECT_EQ(WaitExit(c.id()), 3);
  EXPECT_EQ(manager_->InspectContainer(c.id())->state().exit_code(), 3);
}

TEST_F(ContainerTest, MissingExecutableFailsStartWithDockerText) {
  v1::Container c = Create({"no-such-cmd"});
  auto started = manager_->StartContainer(Start(c.id()));
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(started.status().message(),
            "exec: \"no-such-cmd\": executable file not found in $PATH");
  auto record = manager_->InspectContainer(c.id());
  EXPECT_EQ(record->state().status(), v1::CONTAINER_STATUS_CREATED);
  EXPECT_THAT(record->state().error(), HasSubstr("executable file not found in $PATH"));
  EXPECT_EQ(record->state().exit_code(), 127);

  v1::Container abs = Create({"/bin/nope"});
  EXPECT_EQ(manager_->StartContainer(Start(abs.id())).status().message(),
            "exec: \"/bin/nope\": stat /bin/nope: no such file or directory");
  v1::Container dir = Create({"/etc"});
  EXPECT_EQ(manager_->StartContainer(Start(dir.id())).status().message(),
            "exec: \"/etc\": permission denied");
  // Nothing of the failed starts survives: no shim, no mount.
  for (int i = 0; i < 50 && !OurProcesses().empty(); ++i) usleep(20000);
  EXPECT_TRUE(OurProcesses().empty());
  EXPECT_TRUE(OurMounts().empty());
}

TEST_F(ContainerTest, HostnameIsShortIdAndPidNamespaceIsPrivate) {
  // "; true" keeps sh from exec'ing ps, so two processes are listed.
  v1::Container c = Create({"sh", "-c", "hostname; ps -o pid,comm; true"});
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  EXPECT_EQ(WaitExit(c.id()), 0);
  std::vector<std::string> lines = absl::StrSplit(Logs(c.id()), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u) << Logs(c.id());  // hostname, header, sh, ps
  EXPECT_EQ(lines[0], c.id().substr(0, 12));
  EXPECT_THAT(lines[2], HasSubstr("1 sh"));
  EXPECT_THAT(lines[3], HasSubstr("ps"));
}

TEST_F(ContainerTest, TtyContainerGetsItsOwnPts) {
  RunOptions options;
  options.tty = true;
  v1::Container c = Create({"tty"}, options);
  auto session = manager_->Attach(c.id(), AttachOptions{false, true, true});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  EXPECT_EQ(ReadAll(**session), "/dev/pts/0\r\n");
  EXPECT_EQ(WaitExit(c.id()), 0);
}

TEST_F(ContainerTest, ResizeReachesThePtyAndTtyStdinSurvivesHalfClose) {
  RunOptions options;
  options.tty = true;
  options.open_stdin = true;
  v1::Container c = Create({"sh", "-c", "read x; stty size"}, options);
  auto session = manager_->Attach(c.id(), AttachOptions{true, true, true});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  ASSERT_TRUE(manager_->ResizeContainer(c.id(), 40, 100).ok());
  // With a tty, a stdin close must not end the shell's input (dockerd's rule);
  // the newline still gets through afterwards on a second attach.
  ASSERT_TRUE((*session)->CloseStdin().ok());
  auto second = manager_->Attach(c.id(), AttachOptions{true, false, false});
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE((*second)->WriteStdin("\n").ok());
  EXPECT_THAT(ReadAll(**session), HasSubstr("40 100"));
  EXPECT_EQ(WaitExit(c.id()), 0);
}

TEST_F(ContainerTest, StdinBufferedBeforeStartAndClosedOnHalfClose) {
  RunOptions options;
  options.open_stdin = true;
  v1::Container c = Create({"sh", "-c", "cat; echo done-after-eof"}, options);
  auto session = manager_->Attach(c.id(), AttachOptions{true, true, true});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->WriteStdin("line1\nline2\n").ok());
  ASSERT_TRUE((*session)->CloseStdin().ok());
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  EXPECT_EQ(ReadAll(**session), "line1\nline2\ndone-after-eof\n");
  EXPECT_EQ(WaitExit(c.id()), 0);
}

TEST_F(ContainerTest, StopEscalatesToKillWithinTimeout) {
  // busybox sleep as pid 1 ignores SIGTERM (no handler, init protection).
  v1::Container c = Create({"sleep", "100"});
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  auto begin = std::chrono::steady_clock::now();
  auto stopped = manager_->StopContainer(c.id(), 1, "");
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_FALSE(*stopped);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(8));
  EXPECT_EQ(manager_->InspectContainer(c.id())->state().exit_code(), 128 + SIGKILL);
  EXPECT_TRUE(*manager_->StopContainer(c.id(), 1, ""));  // already stopped
  EXPECT_EQ(manager_->KillContainer(c.id(), "").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ContainerTest, ContainerSurvivesManagerRestart) {
  v1::Container c = Create({"sh", "-c", "sleep 1; exit 7"});
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  StopManager();
  EXPECT_FALSE(OurProcesses().empty()) << "the shim must outlive the manager";
  StartManager();
  EXPECT_EQ(manager_->InspectContainer(c.id())->state().status(), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(WaitExit(c.id()), 7);
}

TEST_F(ContainerTest, ExitWhileManagerIsAwayIsRecovered) {
  v1::Container c = Create({"sh", "-c", "exit 5"});
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  StopManager();
  for (int i = 0; i < 250 && !OurProcesses().empty(); ++i) usleep(20000);
  StartManager();
  auto record = manager_->InspectContainer(c.id());
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->state().status(), v1::CONTAINER_STATUS_EXITED);
  EXPECT_EQ(record->state().exit_code(), 5);
}

TEST_F(ContainerTest, RemoveLeavesNothingBehind) {
  v1::Container c = Create({"sleep", "100"});
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  auto refused = manager_->RemoveContainer(c.id(), false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("You cannot remove a running container"));
  auto removed = manager_->RemoveContainer(c.id(), true);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->id(), c.id());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/state/containers/" + c.id()));
  EXPECT_TRUE(OurMounts().empty());
  EXPECT_EQ(manager_->InspectContainer(c.id()).status().message(),
            "No such container: " + c.id());
}

TEST_F(ContainerTest, AutoRemoveSatisfiesRemovedWaiter) {
  RunOptions options;
  options.auto_remove = true;
  v1::Container c = Create({"sh", "-c", "exit 2"}, options);
  bool registered = false;
  std::thread waiter([&] {
    auto result = manager_->WaitContainer(
        c.id(), v1::WAIT_CONDITION_REMOVED, [&] { registered = true; }, [] { return false; });
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->exit_code, 2);
  });
  while (!registered) usleep(1000);
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  waiter.join();
  EXPECT_EQ(manager_->InspectContainer(c.id()).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ContainerTest, NamesAreUniqueAndResolvable) {
  RunOptions options;
  options.name = "rt-it-" + dir_.substr(dir_.size() - 6);
  v1::Container c = Create({"true"}, options);
  CreateRequest dup;
  dup.id = std::string(64, 'e');
  dup.name = options.name;
  dup.config.add_cmd("true");
  auto conflict = manager_->CreateContainer(dup);
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(conflict.status().message(),
            "Conflict. The container name \"/" + options.name +
                "\" is already in use by container \"" + c.id() +
                "\". You have to remove (or rename) that container to be able to reuse that "
                "name.");
  EXPECT_EQ(manager_->InspectContainer(options.name)->id(), c.id());
  EXPECT_EQ(manager_->InspectContainer("/" + options.name)->id(), c.id());
  EXPECT_EQ(manager_->InspectContainer(c.id().substr(0, 10))->id(), c.id());
  EXPECT_FALSE(Create({"true"}).name().empty());  // generated
}

TEST_F(ContainerTest, ProcessSeesEnvUserCwdAndNoLeakedFds) {
  CreateRequest request;
  v1::Container base = Create({"true"});  // only for its snapshot mount
  request.id = std::string(63, 'f') + "1";
  request.config.add_cmd("sh");
  request.config.add_cmd("-c");
  // sh is pid 1 and waits while ls lists its fds (a pipeline would race
  // with sh's own pipe fds; "; true" keeps sh from exec'ing ls).
  request.config.add_cmd("echo $HOME $HOSTNAME $A; pwd; id -u; ls /proc/1/fd; true");
  request.config.add_env("A=1");
  request.config.set_user("nobody");
  request.config.set_working_dir("/work/dir");
  request.config.set_hostname("box");
  request.rootfs = {base.rootfs().begin(), base.rootfs().end()};
  ASSERT_TRUE(manager_->RemoveContainer(base.id(), false).ok());
  ASSERT_TRUE(manager_->CreateContainer(request).ok());
  ids_.push_back(request.id);
  ASSERT_TRUE(manager_->StartContainer(Start(request.id)).ok());
  EXPECT_EQ(WaitExit(request.id), 0);
  // The shell holds exactly stdin, stdout and stderr: nothing leaked from the shim.
  EXPECT_EQ(Logs(request.id), "/nonexistent box 1\n/work/dir\n65534\n0\n1\n2\n");
}

TEST_F(ContainerTest, FollowedLogsEndWhenTheContainerExits) {
  v1::Container c = Create({"sh", "-c", "echo one; sleep 1; echo two >&2"});
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  std::vector<std::string> lines;
  LogsRequest request;
  request.container = c.id();
  request.follow = true;
  absl::Status status = manager_->ContainerLogs(
      request,
      [&lines](const logs::LogLine& line) {
        lines.push_back(line.stream + ":" + line.data);
        return true;
      },
      [] { return false; });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(lines, (std::vector<std::string>{"stdout:one\n", "stderr:two\n"}));
  request.follow = false;
  request.stdout = false;
  lines.clear();
  ASSERT_TRUE(manager_->ContainerLogs(request, [&lines](const logs::LogLine& line) {
    lines.push_back(line.data);
    return true;
  }, [] { return false; }).ok());
  EXPECT_EQ(lines, (std::vector<std::string>{"two\n"}));
}

TEST_F(ContainerTest, LifecycleEventsAreEmitted) {
  RunOptions options;
  options.auto_remove = true;
  v1::Container c = Create({"sh", "-c", "exit 4"}, options);
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  auto waited = manager_->WaitContainer(c.id(), v1::WAIT_CONDITION_REMOVED, [] {},
                                        [] { return false; });
  ASSERT_TRUE(waited.ok()) << waited.status();
  std::vector<std::string> actions;
  manager_->events().Stream(
      1, 0,
      [&](const EventRecord& e) {
        if (e.id == c.id()) {
          actions.push_back(e.action);
          if (e.action == "die") {
            EXPECT_EQ(e.attributes.at("exitCode"), "4");
          }
          EXPECT_EQ(e.attributes.at("image"), "busybox-test");
        }
        return true;
      },
      [] { return true; });
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "start", "die", "destroy"}));
}

TEST_F(ContainerTest, ParallelStartsDoNotInterfere) {
  constexpr int kCount = 8;
  std::vector<v1::Container> containers;
  for (int i = 0; i < kCount; ++i) {
    containers.push_back(Create({"sh", "-c", "echo " + std::to_string(i) + "; exit " +
                                                 std::to_string(i)}));
  }
  std::vector<std::thread> threads;
  for (const auto& c : containers) {
    threads.emplace_back([this, id = c.id()] {
      auto started = manager_->StartContainer(Start(id));
      EXPECT_TRUE(started.ok()) << started.status();
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(WaitExit(containers[i].id()), i);
    EXPECT_EQ(Logs(containers[i].id()), std::to_string(i) + "\n");
  }
  EXPECT_EQ(manager_->ListContainers(true).size(), static_cast<size_t>(kCount));
}

TEST_F(ContainerTest, ContainerIsInItsCgroupsAndOomKillIsReported) {
  std::string memory_root = "/sys/fs/cgroup/memory";
  if (!std::filesystem::exists(memory_root + "/memory.oom_control")) {
    GTEST_SKIP() << "needs the cgroup v1 memory controller";
  }
  // Waits for a line on stdin, then holds ~100 MB in a shell variable.
  RunOptions options;
  options.open_stdin = true;
  v1::Container c = Create(
      {"sh", "-c", "read go; x=$(busybox head -c 100000000 /dev/zero | busybox tr '\\0' a)"},
      options);
  auto session = manager_->Attach(c.id(), AttachOptions{true, true, true});
  ASSERT_TRUE(session.ok());
  auto started = manager_->StartContainer(Start(c.id()));
  ASSERT_TRUE(started.ok()) << started.status();
  std::string cgroup = memory_root + "/berth/" + c.id();
  std::string procs = *fs::ReadFile(cgroup + "/cgroup.procs");
  EXPECT_EQ(procs, std::to_string(started->container.state().pid()) + "\n");
  {
    std::ofstream limit(cgroup + "/memory.limit_in_bytes");
    limit << "16777216";
  }
  ASSERT_EQ(*fs::ReadFile(cgroup + "/memory.limit_in_bytes"), "16777216\n");
  ASSERT_TRUE((*session)->WriteStdin("go\n").ok());
  EXPECT_EQ(WaitExit(c.id()), 128 + SIGKILL);
  EXPECT_TRUE(manager_->InspectContainer(c.id())->state().oom_killed());
  EXPECT_FALSE(std::filesystem::exists(cgroup)) << "the shim removes the cgroup after exit";
}

TEST_F(ContainerTest, NoNetnsPathGetsAPrivateNamespaceWithLoopbackUp) {
  v1::Container c = Create({"cat", "/sys/class/net/lo/operstate", "/proc/net/dev"});
  ASSERT_TRUE(manager_->StartContainer(Start(c.id())).ok());
  EXPECT_EQ(WaitExit(c.id()), 0);
  std::string out = Logs(c.id());
  // lo reports "unknown" when up ("down" otherwise); only lo exists.
  EXPECT_EQ(out.substr(0, out.find('\n')), "unknown");
  EXPECT_EQ(std::count(out.begin(), out.end(), ':'), 1) << out;
}

TEST_F(ContainerTest, JoinsTheGivenNetworkNamespace) {
  // A netns bound on a file, as netd provides (here without any links).
  std::string netns = dir_ + "/netns";
  ASSERT_EQ(system(("touch " + netns + " && unshare --net=" + netns + " true").c_str()), 0);
  v1::Container c = Create({"sh", "-c", "readlink /proc/self/ns/net"});
  StartRequest start = Start(c.id());
  start.network.set_sandbox_key(netns);
  start.hosts = "10.0.0.2\tbox\n";
  ASSERT_TRUE(manager_->StartContainer(start).ok());
  EXPECT_EQ(WaitExit(c.id()), 0);
  struct stat st {};
  ASSERT_EQ(stat(netns.c_str(), &st), 0);
  EXPECT_EQ(Logs(c.id()), "net:[" + std::to_string(st.st_ino) + "]\n");
  EXPECT_EQ(manager_->InspectContainer(c.id())->network().sandbox_key(), netns);
  umount2(netns.c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace berth::runtimed::testing
