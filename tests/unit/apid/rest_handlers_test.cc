// The REST handlers driven through the router with fake backends and a
// recording response writer (no sockets; see rest_fixture.h).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/apid/create_bodies.h"
#include "tests/unit/apid/rest_fixture.h"

namespace berth::apid::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST_F(RestHandlersTest, CreateAnswers201WithIdAndEmptyWarnings) {
  RecordingExchange ex = Call("POST", "/containers/create", "name=web", testing::kRunRmBody);
  EXPECT_EQ(ex.status, 201);
  nlohmann::json j = nlohmann::json::parse(ex.body);
  EXPECT_EQ(j["Id"], kId);
  EXPECT_TRUE(j["Warnings"].is_array());
  EXPECT_TRUE(j["Warnings"].empty());
  EXPECT_EQ(runtimed_.last_create.name(), "web");
  EXPECT_TRUE(runtimed_.last_create.config().auto_remove());
}

TEST_F(RestHandlersTest, CreateWithMissingImageIs404NoSuchImage) {
  RecordingExchange ex =
      Call("POST", "/containers/create", "", R"({"Image":"api-doesnotexist:zzz"})");
  EXPECT_EQ(ex.status, 404);
  EXPECT_EQ(ex.body, "{\"message\":\"No such image: api-doesnotexist:zzz\"}\n");
}

TEST_F(RestHandlersTest, CreateWithMalformedJsonIs400) {
  EXPECT_EQ(Call("POST", "/containers/create", "", "{nope").status, 400);
}

TEST_F(RestHandlersTest, StartIs204ThenNotModified) {
  Call("POST", "/containers/create", "name=web", testing::kRunRmBody);
  EXPECT_EQ(Call("POST", "/containers/web/start").status, 204);
  EXPECT_EQ(Call("POST", "/containers/web/start").status, 304);
}

TEST_F(RestHandlersTest, StartFailureIs400WithTheExecutorText) {
  Call("POST", "/containers/create", "name=web", testing::kRunRmBody);
  runtimed_.start_error =
      absl::InvalidArgumentError("exec: \"nope\": executable file not found in $PATH");
  RecordingExchange ex = Call("POST", "/containers/web/start");
  EXPECT_EQ(ex.status, 400);
  EXPECT_THAT(ex.body, HasSubstr("executable file not found in $PATH"));
}

TEST_F(RestHandlersTest, FailedStartOfRmContainerRemovesItSoTheWaitEnds) {
  Call("POST", "/containers/create", "name=web", testing::kRunRmBody);
  netd_.attach_error = absl::UnavailableError("netd is unavailable: connection refused");
  RecordingExchange ex = Call("POST", "/containers/web/start");
  EXPECT_EQ(ex.status, 503);
  EXPECT_THAT(ex.body, HasSubstr("netd is unavailable"));
  EXPECT_EQ(Call("GET", "/containers/web/json").status, 404);  // removed, as dockerd does
  EXPECT_TRUE(imaged_.snapshots.empty());
}

TEST_F(RestHandlersTest, RestartIsOneWorkflowStopThenStart) {
  Call("POST", "/containers/create", "name=web", testing::kRunRmBody);
  EXPECT_EQ(Call("POST", "/containers/web/start").status, 204);
  log_.clear();
  EXPECT_EQ(Call("POST", "/containers/web/restart", "t=1").status, 204);
  EXPECT_THAT(log_, ElementsAre("runtimed.StopContainer " + kId, "netd.Attach " + kId,
                                "runtimed.StartContainer " + kId));
  EXPECT_EQ(Call("POST", "/containers/ghost/restart").status, 404);
}

TEST_F(RestHandlersTest, InspectCarriesTty) {
  Call("POST", "/containers/create", "name=it", testing::kRunItBody);
  RecordingExchange ex = Call("GET", "/containers/it/json");
  EXPECT_EQ(ex.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ex.body)["Config"]["Tty"], true);
  EXPECT_EQ(Call("GET", "/containers/ghost/json").status, 404);
}

TEST_F(RestHandlersTest, WaitSendsHeadersBeforeTheExitBody) {
  v1::WaitEvent registered;
  registered.set_registered(true);
  v1::WaitEvent exit;
  exit.mutable_exit()->set_exit_code(3);
  runtimed_.wait_events = {registered, exit};
  RecordingExchange ex = Call("POST", "/containers/web/wait", "condition=next-exit");
  EXPECT_THAT(ex.events,
              ElementsAre("begin 200", "chunk {\"Error\":null,\"StatusCode\":3}\n", "end"));
}

TEST_F(RestHandlersTest, WaitRejectsUnknownCondition) {
  EXPECT_EQ(Call("POST", "/containers/web/wait", "condition=soon").status, 400);
}

TEST_F(RestHandlersTest, PullErrorsArriveAsErrorDetailInsideA200Stream) {
  RecordingExchange ex =
      Call("POST", "/images/create", "fromImage=docker.io%2Flibrary%2Fbusybox&tag=latest");
  ASSERT_EQ(ex.events.size(), 3u);
  EXPECT_EQ(ex.events[0], "begin 200");
  EXPECT_EQ(ex.events[1],
            "chunk {\"errorDetail\":{\"message\":\"pull is not implemented yet\"},"
            "\"error\":\"pull is not implemented yet\"}\n");
}

TEST_F(RestHandlersTest, PingAndVersion) {
  RecordingExchange ping = Call("GET", "/_ping");
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(ping.body, "OK");
  EXPECT_EQ(Call("HEAD", "/_ping").body, "");
  RecordingExchange version = Call("GET", "/version");
  EXPECT_EQ(nlohmann::json::parse(version.body)["ApiVersion"], "1.41");
}

TEST_F(RestHandlersTest, ListAppliesFiltersAndNewestFirst) {
  Call("POST", "/containers/create", "name=web", testing::kRunRmBody);
  RecordingExchange ex = Call("GET", "/containers/json", "all=1&filters=%7B%22name%22%3A%5B%22web%22%5D%7D");
  nlohmann::json j = nlohmann::json::parse(ex.body);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["Names"][0], "/web");
  ex = Call("GET", "/containers/json", "all=1&filters=%7B%22name%22%3A%5B%22other%22%5D%7D");
  EXPECT_TRUE(nlohmann::json::parse(ex.body).empty());
  EXPECT_EQ(Call("GET", "/containers/json", "filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D").status,
            400);
}

}  // namespace
}  // namespace berth::apid::rest

namespace berth::apid::rest {
namespace {

TEST_F(RestHandlersTest, EndpointsNotServedYetAnswer501WithTheFeature) {
  RecordingExchange prune = Call("POST", "/build/prune");
  EXPECT_EQ(prune.status, 501);
  EXPECT_EQ(prune.body, "{\"message\":\"build prune is not implemented yet\"}\n");
  EXPECT_EQ(Call("GET", "/containers/web/changes").status, 501);
  // system df is served now (SystemService::DiskUsage).
  RecordingExchange df = Call("GET", "/system/df");
  EXPECT_EQ(df.status, 200);
  EXPECT_NE(df.body.find("\"LayersSize\""), std::string::npos);
  // Real routes still win over the pending table.
  EXPECT_EQ(Call("GET", "/images/busybox/json").status, 200);
}

TEST_F(RestHandlersTest, InspectFallbackLookupsStay404) {
  // `docker inspect X` walks networks, volumes and plugins after the
  // container and image miss; a non-404 would abort its chain.
  EXPECT_EQ(Call("GET", "/networks/nothing").status, 404);
  EXPECT_EQ(Call("GET", "/volumes/nothing").status, 404);
  EXPECT_EQ(Call("GET", "/plugins/nothing/json").status, 404);
}

}  // namespace
}  // namespace berth::apid::rest
