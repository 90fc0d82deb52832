// ExecManager without root: the exec lifecycle over FakeShimRuntime (one for
// the containers, one for the exec shims) and the config the exec shim gets.
#include "services/runtimed/exec_manager.h"

#include <filesystem>

#include "common/fs/fs.h"
#include "common/time/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/spec/capabilities.h"
#include "services/runtimed/testing/fake_shim_runtime.h"

namespace berth::runtimed {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kId = "e0e0" + std::string(60, '1');

class ExecManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runtimed-exec-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    clock_ = std::make_shared<FakeClock>();
    container_shims_ = std::make_shared<testing::FakeShimRuntime>(clock_);
    exec_shims_ = std::make_shared<testing::FakeShimRuntime>(clock_);
    auto manager = ContainerManager::Create(
        ManagerConfig{dir_ + "/state", dir_ + "/run", "/nonexistent/berth-shim"}, nullptr,
        container_shims_, clock_);
    ASSERT_TRUE(manager.ok()) << manager.status();
    containers_ = std::move(*manager);
    spec::HostFacts host;
    host.capability_mask = spec::CapabilityMask({"CAP_CHOWN", "CAP_SYS_ADMIN"});
    execs_ = std::make_unique<ExecManager>(*containers_, Paths(dir_ + "/state", dir_ + "/run"),
                                           ExecPaths(), exec_shims_, host, nullptr);
    CreateRequest create;
    create.id = kId;
    create.config.add_cmd("sleep");
    create.config.add_cmd("600");
    create.config.set_image("busybox");
    ASSERT_TRUE(containers_->CreateContainer(create).ok());
  }
  void TearDown() override {
    execs_.reset();
    containers_.reset();
    std::filesystem::remove_all(dir_);
  }
  Paths ExecPaths() const { return Paths(dir_ + "/run/exec", dir_ + "/run/exec"); }
  void StartContainer() {
    StartRequest start;
    start.container = kId;
    ASSERT_TRUE(containers_->StartContainer(start).ok());
  }
  v1::ExecConfig Config(std::vector<std::string> cmd) {
    v1::ExecConfig c;
    for (auto& s : cmd) c.add_cmd(s);
    c.set_attach_stdout(true);
    c.set_attach_stderr(true);
    return c;
  }
  std::string ReadAll(AttachSession& session) {
    std::string out;
    while (auto chunk = session.Read()) out += chunk->data;
    return out;
  }

  std::string dir_;
  std::shared_ptr<FakeClock> clock_;
  std::shared_ptr<testing::FakeShimRuntime> container_shims_;
  std::shared_ptr<testing::FakeShimRuntime> exec_shims_;
  std::unique_ptr<ContainerManager> containers_;
  std::unique_ptr<ExecManager> execs_;
};

TEST_F(ExecManagerTest, OnlyARunningContainerTakesAnExec) {
  auto created = execs_->Create(kId, Config({"true"}));
  EXPECT_EQ(created.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(created.status().message(), "container " + kId + " is not running");
  EXPECT_EQ(execs_->Create("nope", Config({"true"})).status().code(),
            absl::StatusCode::kNotFound);
  StartContainer();
  EXPECT_EQ(execs_->Create(kId, Config({})).status().message(), "No exec command specified");
  EXPECT_TRUE(execs_->Create(kId.substr(0, 8), Config({"true"})).ok());
  EXPECT_EQ(execs_->Inspect("unknown").status().message(), "No such exec instance: unknown");
}

TEST_F(ExecManagerTest, AttachedStartStreamsOutputAndSettlesTheExitCode) {
  StartContainer();
  auto exec = execs_->Create(kId, Config({"sh", "-c", "echo hi; exit 3"}));
  ASSERT_TRUE(exec.ok()) << exec.status();
  EXPECT_EQ(exec->container_id(), kId);
  EXPECT_EQ(exec->id().size(), 64u);
  exec_shims_->ScriptRun(exec->id(), {"hi\n", 3});
  auto session = execs_->Start(exec->id(), true, 0, 0);
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_NE(*session, nullptr);
  EXPECT_EQ(ReadAll(**session), "hi\n");
  EXPECT_TRUE(execs_->AwaitExit(exec->id(), absl::Seconds(10)));
  auto done = execs_->Inspect(exec->id());
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->exited());
  EXPECT_FALSE(done->running());
  EXPECT_EQ(done->exit_code(), 3);
  // Watched and attached before the process was released: nothing missed.
  const std::string& id = exec->id();
  EXPECT_THAT(exec_shims_->Calls(), ElementsAre("launch " + id, "watch " + id, "attach " + id,
                                                "start " + id));
  // An exec runs once.
  EXPECT_EQ(execs_->Start(id, true, 0, 0).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ExecManagerTest, TheExecShimGetsTheContainersConfinementAndItsInit) {
  StartContainer();
  auto container = containers_->InspectContainer(kId);
  ASSERT_TRUE(container.ok());
  v1::ExecConfig config = Config({"id"});
  config.set_user("nobody");
  config.set_privileged(true);
  auto exec = execs_->Create(kId, config);
  ASSERT_TRUE(exec.ok());
  auto session = execs_->Start(exec->id(), false, 24, 80);  // runs until killed
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(*session, nullptr);
  auto text = fs::ReadFile(ExecPaths().ShimConfigFile(exec->id()));
  ASSERT_TRUE(text.ok()) << text.status();
  auto shim = spec::FromJson(*text);
  ASSERT_TRUE(shim.ok());
  auto main_text = fs::ReadFile(Paths(dir_ + "/state", dir_ + "/run").ShimConfigFile(kId));
  ASSERT_TRUE(main_text.ok());
  auto main = spec::FromJson(*main_text);
  ASSERT_TRUE(main.ok());
  EXPECT_EQ(shim->join_pid, container->state().pid());
  EXPECT_EQ(shim->join_container, kId);
  EXPECT_THAT(shim->args, ElementsAre("id"));
  EXPECT_EQ(shim->user, "nobody");
  EXPECT_EQ(shim->log_path, "");
  EXPECT_EQ(shim->security.seccomp_program_file, main->security.seccomp_program_file);
  EXPECT_EQ(shim->security.masked_paths, main->security.masked_paths);
  EXPECT_EQ(shim->security.no_new_privileges, main->security.no_new_privileges);
  // --privileged: the host's capabilities instead of the container's.
  EXPECT_THAT(shim->security.capabilities, ElementsAre("CAP_CHOWN", "CAP_SYS_ADMIN"));
  auto running = execs_->Inspect(exec->id());
  EXPECT_TRUE(running->running());
  EXPECT_GT(running->pid(), 0);
  EXPECT_TRUE(execs_->Resize(exec->id(), 40, 100).ok());
  EXPECT_THAT(exec_shims_->Calls(), ::testing::Contains("resize " + exec->id() + " 24 80"));
  ASSERT_TRUE(exec_shims_->Exit(exec->id(), 0).ok());
  EXPECT_TRUE(execs_->AwaitExit(exec->id(), absl::Seconds(10)));
  EXPECT_EQ(execs_->Resize(exec->id(), 40, 100).code(), absl::StatusCode::kFailedPrecondition);
  // The shim's files are gone with it; the exit code stays.
  EXPECT_FALSE(std::filesystem::exists(ExecPaths().ContainerDir(exec->id())));
  EXPECT_EQ(execs_->Inspect(exec->id())->exit_code(), 0);
}

TEST_F(ExecManagerTest, ACommandThatCannotRunExitsLikeDocker) {
  StartContainer();
  auto missing = execs_->Create(kId, Config({"nope"}));
  auto bad_dir = execs_->Create(kId, Config({"true"}));
  ASSERT_TRUE(missing.ok() && bad_dir.ok());
  exec_shims_->FailLaunch(missing->id(), absl::InvalidArgumentError(
                                             "exec: \"nope\": executable file not found in $PATH"));
  exec_shims_->FailLaunch(bad_dir->id(),
                          absl::FailedPreconditionError("chdir to cwd (\"/x\") set in config.json"));
  auto s = execs_->Start(missing->id(), true, 0, 0);
  EXPECT_THAT(s.status().message(), HasSubstr("executable file not found"));
  EXPECT_EQ(execs_->Inspect(missing->id())->exit_code(), 127);
  EXPECT_TRUE(execs_->Inspect(missing->id())->exited());
  EXPECT_FALSE(execs_->Start(bad_dir->id(), false, 0, 0).ok());
  EXPECT_EQ(execs_->Inspect(bad_dir->id())->exit_code(), 126);
}

TEST_F(ExecManagerTest, AStoppedContainerRefusesTheStartAndTheExecMayBeRetried) {
  StartContainer();
  auto exec = execs_->Create(kId, Config({"true"}));
  ASSERT_TRUE(exec.ok());
  ASSERT_TRUE(container_shims_->Exit(kId, 0).ok());
  auto waited = containers_->WaitContainer(kId, v1::WAIT_CONDITION_NOT_RUNNING, [] {},
                                           [] { return false; });
  ASSERT_TRUE(waited.ok());
  auto s = execs_->Start(exec->id(), true, 0, 0);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.status().message(), "container " + kId + " is not running");
  EXPECT_FALSE(execs_->Inspect(exec->id())->started());
  EXPECT_TRUE(exec_shims_->Calls().empty());
}

}  // namespace
}  // namespace berth::runtimed

namespace berth::runtimed {
namespace {

// A new manager (runtimed restarted) answers for the execs of the old one:
// a finished exec keeps its code, a running one is watched again and
// settles at its exit, one whose shim vanished meanwhile ends with 255.
TEST_F(ExecManagerTest, RecordsSurviveARestartOfTheManager) {
  StartContainer();
  auto done = execs_->Create(kId, Config({"sh", "-c", "exit 4"}));
  auto running = execs_->Create(kId, Config({"sleep", "60"}));
  auto vanished = execs_->Create(kId, Config({"sleep", "61"}));
  auto never = execs_->Create(kId, Config({"true"}));
  ASSERT_TRUE(done.ok() && running.ok() && vanished.ok() && never.ok());
  exec_shims_->ScriptRun(done->id(), {"", 4});
  ASSERT_TRUE(execs_->Start(done->id(), false, 0, 0).ok());
  ASSERT_TRUE(execs_->AwaitExit(done->id(), absl::Seconds(10)));
  ASSERT_TRUE(execs_->Start(running->id(), false, 0, 0).ok());
  ASSERT_TRUE(execs_->Start(vanished->id(), false, 0, 0).ok());

  execs_.reset();  // runtimed goes; the exec shims stay
  exec_shims_->Crash(vanished->id());
  execs_ = std::make_unique<ExecManager>(*containers_, Paths(dir_ + "/state", dir_ + "/run"),
                                         ExecPaths(), exec_shims_, spec::HostFacts{}, nullptr);
  auto after = execs_->Inspect(done->id());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_TRUE(after->exited());
  EXPECT_EQ(after->exit_code(), 4);
  auto still = execs_->Inspect(running->id());
  ASSERT_TRUE(still.ok()) << still.status();
  EXPECT_TRUE(still->running());
  EXPECT_GT(still->pid(), 0);
  ASSERT_TRUE(execs_->AwaitExit(vanished->id(), absl::Seconds(10)));
  EXPECT_EQ(execs_->Inspect(vanished->id())->exit_code(), 255);
  EXPECT_FALSE(execs_->Inspect(never->id())->started());

  exec_shims_->Exit(running->id(), 9);
  ASSERT_TRUE(execs_->AwaitExit(running->id(), absl::Seconds(10)));
  EXPECT_EQ(execs_->Inspect(running->id())->exit_code(), 9);
}

}  // namespace
}  // namespace berth::runtimed
