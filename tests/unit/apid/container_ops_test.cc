// pause, unpause, top, rename and container prune through the real router
// and ContainerService over fake backends: Docker's shapes and codes, the
// endpoint rename (and its undo), prune's selection and answer.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "services/apid/rest/container_json.h"
#include "services/apid/usecases/prune_filters.h"
#include "tests/unit/apid/create_bodies.h"
#include "tests/unit/apid/rest_fixture.h"

namespace berth::apid::rest {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;

class ContainerOpsRestTest : public RestHandlersTest {
 protected:
  // A container record as runtimed would keep it.
  void Put(const std::string& id, const std::string& name, v1::ContainerStatus status,
           int64_t created_unix = 1000, std::map<std::string, std::string> labels = {}) {
    v1::Container c;
    c.set_id(id);
    c.set_name(name);
    c.mutable_state()->set_status(status);
    c.mutable_created()->set_seconds(created_unix);
    for (auto& [k, v] : labels) (*c.mutable_config()->mutable_labels())[k] = v;
    runtimed_.containers[id] = c;
  }
};

TEST_F(ContainerOpsRestTest, PauseAndUnpauseAre204AndReachRuntimed) {
  Put(kId, "web", v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(Call("POST", "/containers/web/pause").status, 204);
  EXPECT_EQ(runtimed_.containers[kId].state().status(), v1::CONTAINER_STATUS_PAUSED);
  EXPECT_EQ(Call("POST", "/containers/web/unpause").status, 204);
  EXPECT_EQ(runtimed_.containers[kId].state().status(), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(Call("POST", "/containers/nothing/pause").status, 404);
}

TEST_F(ContainerOpsRestTest, StartOfAPausedContainerIsRefusedBeforeTheNetwork) {
  Put(kId, "web", v1::CONTAINER_STATUS_PAUSED);
  RecordingExchange ex = Call("POST", "/containers/web/start");
  EXPECT_NE(ex.status, 204);
  EXPECT_THAT(ex.body, ::testing::HasSubstr("cannot start a paused container"));
  EXPECT_THAT(log_, ::testing::Not(Contains("netd.Attach " + kId)));
}

TEST_F(ContainerOpsRestTest, TopAnswersTitlesAndProcesses) {
  Put(kId, "web", v1::CONTAINER_STATUS_RUNNING);
  runtimed_.top_response.add_titles("PID");
  runtimed_.top_response.add_titles("CMD");
  v1::TopProcess* p = runtimed_.top_response.add_processes();
  p->add_fields("42");
  p->add_fields("sleep 100");
  RecordingExchange ex = Call("GET", "/containers/web/top", "ps_args=-o%20pid,args");
  EXPECT_EQ(ex.status, 200);
  EXPECT_EQ(runtimed_.last_top.ps_args(), "-o pid,args");
  nlohmann::json j = nlohmann::json::parse(ex.body);
  EXPECT_EQ(j["Titles"], nlohmann::json({"PID", "CMD"}));
  EXPECT_EQ(j["Processes"], nlohmann::json::array({nlohmann::json::array({"42", "sleep 100"})}));
}

TEST_F(ContainerOpsRestTest, RenameOfARunningContainerRenamesItsEndpoint) {
  Put(kId, "web", v1::CONTAINER_STATUS_RUNNING);
  netd_.endpoints.push_back(kId);
  EXPECT_EQ(Call("POST", "/containers/web/rename", "name=api").status, 204);
  EXPECT_EQ(runtimed_.containers[kId].name(), "api");
  EXPECT_THAT(log_, Contains("netd.RenameEndpoint " + kId + " api"));
}

TEST_F(ContainerOpsRestTest, RenameOfAStoppedContainerLeavesNetdAlone) {
  Put(kId, "web", v1::CONTAINER_STATUS_EXITED);
  EXPECT_EQ(Call("POST", "/containers/web/rename", "name=api").status, 204);
  EXPECT_THAT(log_, ::testing::Not(Contains("netd.RenameEndpoint " + kId + " api")));
}

TEST_F(ContainerOpsRestTest, AFailedEndpointRenamePutsTheOldNameBack) {
  Put(kId, "web", v1::CONTAINER_STATUS_RUNNING);
  netd_.endpoints.push_back(kId);
  netd_.rename_endpoint_error = absl::UnavailableError("netd is down");
  EXPECT_EQ(Call("POST", "/containers/web/rename", "name=api").status, 503);
  EXPECT_EQ(runtimed_.containers[kId].name(), "web");
}

TEST_F(ContainerOpsRestTest, RenameToATakenNameIs409) {
  Put(kId, "web", v1::CONTAINER_STATUS_EXITED);
  Put(std::string(64, 'd'), "db", v1::CONTAINER_STATUS_EXITED);
  EXPECT_EQ(Call("POST", "/containers/web/rename", "name=db").status, 409);
}

TEST_F(ContainerOpsRestTest, PruneRemovesStoppedContainersTheFiltersSelect) {
  const std::string a(64, 'a'), b(64, 'b'), d(64, 'd'), e(64, 'e');
  Put(a, "old-exited", v1::CONTAINER_STATUS_EXITED, 1000, {{"keep", "no"}});
  Put(b, "running", v1::CONTAINER_STATUS_RUNNING, 1000);
  Put(d, "kept-by-label", v1::CONTAINER_STATUS_EXITED, 1000, {{"keep", "yes"}});
  Put(e, "too-new", v1::CONTAINER_STATUS_CREATED, absl::ToUnixSeconds(absl::Now()));
  // {"label!":["keep=yes"],"until":["1h"]}
  RecordingExchange ex =
      Call("POST", "/containers/prune",
           "filters=%7B%22label!%22%3A%5B%22keep%3Dyes%22%5D%2C%22until%22%3A%5B%221h%22%5D%7D");
  ASSERT_EQ(ex.status, 200) << ex.body;
  nlohmann::json j = nlohmann::json::parse(ex.body);
  EXPECT_EQ(j["ContainersDeleted"], nlohmann::json({a}));
  EXPECT_EQ(j["SpaceReclaimed"], 0);
  EXPECT_FALSE(runtimed_.containers.contains(a));
  EXPECT_TRUE(runtimed_.containers.contains(b));
  EXPECT_TRUE(runtimed_.containers.contains(d));
  EXPECT_TRUE(runtimed_.containers.contains(e));
  // Removed like `docker rm`: the endpoint and snapshot go too.
  EXPECT_THAT(log_, Contains("netd.Detach " + a));

  RecordingExchange none = Call("POST", "/containers/prune", "filters=%7B%22label%22%3A%5B%22nope%22%5D%7D");
  EXPECT_EQ(nlohmann::json::parse(none.body)["ContainersDeleted"], nullptr);
  EXPECT_EQ(Call("POST", "/containers/prune", "filters=%7B%22status%22%3A%5B%22x%22%5D%7D").status,
            400);
}

TEST(InitJsonTest, HostConfigInitRoundTrips) {
  absl::StatusOr<v1::ContainerConfig> on =
      ParseCreateBody(R"({"Image":"busybox","HostConfig":{"Init":true}})");
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_TRUE(on->init());
  absl::StatusOr<v1::ContainerConfig> unset =
      ParseCreateBody(R"({"Image":"busybox","HostConfig":{"Init":null}})");
  ASSERT_TRUE(unset.ok()) << unset.status();
  EXPECT_FALSE(unset->init());
  EXPECT_FALSE(ParseCreateBody(R"({"Image":"busybox","HostConfig":{"Init":"yes"}})").ok());
  v1::Container c;
  c.set_id(kId);
  *c.mutable_config() = *on;
  EXPECT_EQ(nlohmann::json::parse(ContainerInspectJson(c))["HostConfig"]["Init"], true);
  *c.mutable_config() = *unset;
  EXPECT_TRUE(nlohmann::json::parse(ContainerInspectJson(c))["HostConfig"]["Init"].is_null());
}

TEST(PruneFiltersTest, UntilReadsDurationsUnixSecondsAndDates) {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(*ParseUntil("24h", now), now - absl::Hours(24));
  EXPECT_EQ(*ParseUntil("1h30m", now), now - absl::Minutes(90));
  EXPECT_EQ(*ParseUntil("1600000000", now), absl::FromUnixSeconds(1600000000));
  EXPECT_EQ(*ParseUntil("2020-09-13T12:26:40Z", now), absl::FromUnixSeconds(1600000000));
  EXPECT_EQ(*ParseUntil("2020-09-13", now), absl::FromUnixSeconds(1599955200));
  EXPECT_FALSE(ParseUntil("yesterday", now).ok());
  EXPECT_FALSE(ContainerPruneSelector::Parse({{"until", {"1h", "2h"}}}, now).ok());
}

}  // namespace
}  // namespace berth::apid::rest
