// docker exec in apid without sockets: the JSON translators, ExecService's
// checks, and the REST routes over the fake runtimed (the attached stream
// itself is covered end to end in tests/e2e/exec_test.cc).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "services/apid/rest/exec_json.h"
#include "tests/unit/apid/create_bodies.h"
#include "tests/unit/apid/rest_fixture.h"

namespace berth::apid::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ExecJsonTest, CreateBodyAsTheDockerCliSendsIt) {
  auto c = ParseExecCreateBody(
      R"({"User":"1000","Privileged":true,"Tty":true,"AttachStdin":true,"AttachStderr":true,)"
      R"("AttachStdout":true,"Detach":false,"DetachKeys":"","Env":["FOO=bar"],)"
      R"("WorkingDir":"/tmp","Cmd":["sh","-c","id"]})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->cmd(), ElementsAre("sh", "-c", "id"));
  EXPECT_THAT(c->env(), ElementsAre("FOO=bar"));
  EXPECT_EQ(c->user(), "1000");
  EXPECT_EQ(c->working_dir(), "/tmp");
  EXPECT_TRUE(c->tty() && c->privileged() && c->attach_stdin() && c->attach_stdout() &&
              c->attach_stderr());
}

TEST(ExecJsonTest, CreateBodyTypeErrorsAre400) {
  EXPECT_EQ(ParseExecCreateBody("{nope").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseExecCreateBody("[]").status().code(), absl::StatusCode::kInvalidArgument);
  auto s = ParseExecCreateBody(R"({"Cmd":"ls"})").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("Cmd"));
  EXPECT_FALSE(ParseExecCreateBody(R"({"Tty":"yes"})").ok());
}

TEST(ExecJsonTest, StartBody) {
  auto empty = ParseExecStartBody("");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->detach);
  auto d = ParseExecStartBody(R"({"Detach":true,"Tty":false,"ConsoleSize":[24,80]})");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->detach);
  EXPECT_EQ(d->height, 24u);
  EXPECT_EQ(d->width, 80u);
  EXPECT_TRUE(ParseExecStartBody(R"({"ConsoleSize":null})").ok());
  EXPECT_FALSE(ParseExecStartBody(R"({"ConsoleSize":[1]})").ok());
  EXPECT_FALSE(ParseExecStartBody(R"({"ConsoleSize":[-1,2]})").ok());
  EXPECT_FALSE(ParseExecStartBody(R"({"ConsoleSize":[70000,2]})").ok());
}

TEST(ExecJsonTest, InspectExitCodeIsNullUntilExited) {
  v1::ExecInspect e;
  e.set_id("eid");
  e.set_container_id("cid");
  e.mutable_config()->add_cmd("sh");
  e.mutable_config()->add_cmd("-c");
  e.mutable_config()->add_cmd("exit 7");
  e.mutable_config()->set_user("nobody");
  e.set_running(true);
  e.set_pid(42);
  nlohmann::json running = nlohmann::json::parse(ExecInspectJson(e));
  EXPECT_TRUE(running["ExitCode"].is_null());
  EXPECT_EQ(running["Running"], true);
  EXPECT_EQ(running["Pid"], 42);
  EXPECT_EQ(running["ID"], "eid");
  EXPECT_EQ(running["ContainerID"], "cid");
  EXPECT_EQ(running["ProcessConfig"]["entrypoint"], "sh");
  EXPECT_EQ(running["ProcessConfig"]["arguments"], nlohmann::json({"-c", "exit 7"}));
  EXPECT_EQ(running["ProcessConfig"]["user"], "nobody");
  e.set_running(false);
  e.set_exited(true);
  e.set_exit_code(7);
  nlohmann::json exited = nlohmann::json::parse(ExecInspectJson(e));
  EXPECT_EQ(exited["ExitCode"], 7);
  EXPECT_EQ(exited["Running"], false);
}

class ExecRoutesTest : public RestHandlersTest {
 protected:
  void Run() {
    v1::Container c;
    c.set_id(kId);
    c.set_name("web");
    c.mutable_state()->set_status(v1::CONTAINER_STATUS_RUNNING);
    runtimed_.containers[kId] = c;
  }
};

TEST_F(ExecRoutesTest, CreateAnswers201WithTheIdForTheResolvedContainer) {
  Run();
  RecordingExchange ex =
      Call("POST", "/containers/" + kId.substr(0, 6) + "/exec", "",
           R"({"Cmd":["echo","hi"],"AttachStdout":true,"Env":["A=1"]})");
  EXPECT_EQ(ex.status, 201) << ex.body;
  EXPECT_EQ(nlohmann::json::parse(ex.body)["Id"], "exec1");
  EXPECT_EQ(runtimed_.execs["exec1"].container_id(), kId);
  EXPECT_THAT(runtimed_.execs["exec1"].config().env(), ElementsAre("A=1"));
}

TEST_F(ExecRoutesTest, NoCommandIs400BeforeRuntimedIsAsked) {
  Run();
  RecordingExchange ex = Call("POST", "/containers/web/exec", "", R"({"Cmd":[]})");
  EXPECT_EQ(ex.status, 400);
  EXPECT_EQ(ex.body, "{\"message\":\"No exec command specified\"}\n");
  EXPECT_TRUE(runtimed_.execs.empty());
}

TEST_F(ExecRoutesTest, StoppedOrPausedContainerIs409AndUnknownIs404) {
  Run();
  runtimed_.containers[kId].mutable_state()->set_status(v1::CONTAINER_STATUS_EXITED);
  RecordingExchange stopped = Call("POST", "/containers/web/exec", "", R"({"Cmd":["true"]})");
  EXPECT_EQ(stopped.status, 409);
  EXPECT_EQ(stopped.body, "{\"message\":\"container " + kId + " is not running\"}\n");
  runtimed_.containers[kId].mutable_state()->set_status(v1::CONTAINER_STATUS_PAUSED);
  RecordingExchange paused = Call("POST", "/containers/web/exec", "", R"({"Cmd":["true"]})");
  EXPECT_EQ(paused.status, 409);
  EXPECT_THAT(paused.body, HasSubstr("is paused, unpause the container before exec"));
  EXPECT_EQ(Call("POST", "/containers/nope/exec", "", R"({"Cmd":["true"]})").status, 404);
  RecordingExchange missing = Call("GET", "/exec/nope/json");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "{\"message\":\"No such exec instance: nope\"}\n");
  EXPECT_EQ(Call("POST", "/exec/nope/start", "", R"({"Detach":false})").status, 404);
}

TEST_F(ExecRoutesTest, DetachedStartResizeAndInspect) {
  Run();
  ASSERT_EQ(Call("POST", "/containers/web/exec", "", R"({"Cmd":["sleep","9"]})").status, 201);
  RecordingExchange start =
      Call("POST", "/exec/exec1/start", "", R"({"Detach":true,"ConsoleSize":[30,90]})");
  EXPECT_EQ(start.status, 200) << start.body;
  EXPECT_EQ(runtimed_.last_exec_start.exec_id(), "exec1");
  EXPECT_EQ(runtimed_.last_exec_start.height(), 30u);
  EXPECT_EQ(runtimed_.last_exec_start.width(), 90u);
  EXPECT_EQ(Call("POST", "/exec/exec1/resize", "h=40&w=120").status, 200);
  EXPECT_EQ(runtimed_.last_exec_resize.height(), 40u);
  EXPECT_EQ(runtimed_.last_exec_resize.width(), 120u);
  EXPECT_EQ(Call("POST", "/exec/exec1/resize", "h=-1&w=120").status, 400);
  RecordingExchange inspect = Call("GET", "/exec/exec1/json");
  EXPECT_EQ(inspect.status, 200);
  nlohmann::json j = nlohmann::json::parse(inspect.body);
  EXPECT_EQ(j["Running"], true);
  EXPECT_TRUE(j["ExitCode"].is_null());
}

}  // namespace
}  // namespace berth::apid::rest
