#include "services/apid/usecases/container_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/apid/fakes.h"

namespace berth::apid {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::CallLog;

const std::string kId(64, 'a');

class ContainerServiceTest : public ::testing::Test {
 protected:
  ContainerServiceTest() : imaged_(log_), netd_(log_), runtimed_(log_) {
    v1::Image image;
    image.set_id("sha256:img");
    image.mutable_config()->add_cmd("sh");
    image.mutable_config()->add_env("PATH=/bin");
    imaged_.images["busybox"] = image;
  }

  v1::ContainerConfig Config(const std::string& image = "busybox") {
    v1::ContainerConfig c;
    c.set_image(image);
    return c;
  }

  CallLog log_;
  testing::FakeImaged imaged_;
  testing::FakeNetd netd_;
  testing::FakeRuntimed runtimed_;
  ContainerService service_{imaged_, netd_, runtimed_, [] { return kId; }};
};

TEST_F(ContainerServiceTest, CreatePreparesSnapshotThenRecordsMergedConfig) {
  auto created = service_.Create("/web", Config());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->id, kId);
  EXPECT_THAT(log_, ElementsAre("imaged.InspectImage busybox",
                                "imaged.PrepareSnapshot " + kId + " sha256:img",
                                "runtimed.CreateContainer " + kId));
  EXPECT_EQ(runtimed_.last_create.name(), "web");
  EXPECT_EQ(runtimed_.last_create.image_id(), "sha256:img");
  EXPECT_EQ(runtimed_.last_create.config().network_mode(), "bridge");
  EXPECT_THAT(runtimed_.last_create.config().cmd(), ElementsAre("sh"));
  EXPECT_EQ(runtimed_.last_create.rootfs_size(), 1);
}

TEST_F(ContainerServiceTest, CreateFailureAfterSnapshotRemovesTheSnapshot) {
  runtimed_.create_error = absl::AlreadyExistsError("Conflict. The container name \"/web\"");
  auto created = service_.Create("web", Config());
  EXPECT_EQ(created.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(log_.back(), "imaged.RemoveSnapshot " + kId);
  EXPECT_THAT(imaged_.snapshots, IsEmpty());
}

TEST_F(ContainerServiceTest, MissingImageIsNotFoundWithDockersTextAndTouchesNothing) {
  auto created = service_.Create("", Config("nope:1"));
  EXPECT_EQ(created.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(created.status().message(), "No such image: nope:1");
  EXPECT_THAT(log_, ElementsAre("imaged.InspectImage nope:1"));
}

TEST_F(ContainerServiceTest, MalformedNetworkModeIsRefusedBeforeAnyCall) {
  v1::ContainerConfig c = Config();
  c.set_network_mode("container:");
  auto created = service_.Create("", c);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(created.status().message(),
            "Invalid network mode: invalid container format container:<name|id>");
  EXPECT_THAT(log_, IsEmpty());
}

TEST_F(ContainerServiceTest, BadNameIsRefused) {
  auto created = service_.Create("bad name!", Config());
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(log_, IsEmpty());
}

TEST_F(ContainerServiceTest, StartAttachesThenStartsWithTheNetworkSummary) {
  ASSERT_TRUE(service_.Create("web", Config()).ok());
  log_.clear();
  auto started = service_.Start("web");
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_FALSE(*started);
  EXPECT_THAT(log_, ElementsAre("netd.Attach " + kId, "runtimed.StartContainer " + kId));
  EXPECT_EQ(netd_.last_attach.hostname(), kId.substr(0, 12));
  EXPECT_EQ(netd_.last_attach.network_mode(), "bridge");
  EXPECT_EQ(runtimed_.last_start.network().sandbox_key(), "/run/netns/" + kId);
  EXPECT_EQ(runtimed_.last_start.resolv_conf(), "nameserver 10.0.0.1\n");
}

TEST_F(ContainerServiceTest, StartFailureDetachesAndKeepsTheExecutorText) {
  ASSERT_TRUE(service_.Create("web", Config()).ok());
  runtimed_.start_error = absl::InvalidArgumentError(
      "exec: \"foo\": executable file not found in $PATH");
  log_.clear();
  auto started = service_.Start("web");
  EXPECT_EQ(started.status().message(), "exec: \"foo\": executable file not found in $PATH");
  EXPECT_THAT(log_, ElementsAre("netd.Attach " + kId, "runtimed.StartContainer " + kId,
                                "netd.Detach " + kId));
  EXPECT_THAT(netd_.endpoints, IsEmpty());
}

TEST_F(ContainerServiceTest, StartOfRunningContainerAttachesNothing) {
  ASSERT_TRUE(service_.Create("web", Config()).ok());
  ASSERT_TRUE(service_.Start("web").ok());
  log_.clear();
  auto started = service_.Start("web");
  ASSERT_TRUE(started.ok());
  EXPECT_TRUE(*started);
  EXPECT_THAT(log_, IsEmpty());
}

TEST_F(ContainerServiceTest, RemoveDropsRecordThenEndpointThenSnapshot) {
  ASSERT_TRUE(service_.Create("web", Config()).ok());
  log_.clear();
  ASSERT_TRUE(service_.Remove("web", true).ok());
  EXPECT_THAT(log_, ElementsAre("runtimed.RemoveContainer " + kId, "netd.Detach " + kId,
                                "imaged.RemoveSnapshot " + kId));
}

TEST_F(ContainerServiceTest, RemoveOfUnknownContainerIsNotFound) {
  EXPECT_EQ(service_.Remove("ghost", false).code(), absl::StatusCode::kNotFound);
}

TEST_F(ContainerServiceTest, DestroyEventDetachesAndRemovesSnapshot) {
  v1::Event e;
  e.set_type("container");
  e.set_action("destroy");
  e.set_id(kId);
  service_.HandleEvent(e);
  EXPECT_THAT(log_, ElementsAre("netd.Detach " + kId, "imaged.RemoveSnapshot " + kId));
}

TEST_F(ContainerServiceTest, DieEventDetachesUnlessTheContainerRunsAgain) {
  ASSERT_TRUE(service_.Create("web", Config()).ok());
  ASSERT_TRUE(service_.Start("web").ok());
  log_.clear();
  v1::Event e;
  e.set_type("container");
  e.set_action("die");
  e.set_id(kId);
  service_.HandleEvent(e);  // still running (restart policy): keep the endpoint
  EXPECT_THAT(log_, IsEmpty());
  runtimed_.containers[kId].mutable_state()->set_status(v1::CONTAINER_STATUS_EXITED);
  service_.HandleEvent(e);
  EXPECT_THAT(log_, ElementsAre("netd.Detach " + kId));
}

TEST_F(ContainerServiceTest, ReconcileRemovesOrphansOnly) {
  ASSERT_TRUE(service_.Create("web", Config()).ok());  // created, not running
  imaged_.snapshots.push_back("orphan");
  netd_.endpoints = {kId, "gone"};
  log_.clear();
  ASSERT_TRUE(service_.Reconcile().ok());
  EXPECT_THAT(imaged_.snapshots, ElementsAre(kId));
  EXPECT_THAT(netd_.endpoints, IsEmpty());  // kId is not running, "gone" has no record
}

TEST_F(ContainerServiceTest, ReconcileDeletesNothingWhenAListingFails) {
  imaged_.snapshots.push_back("orphan");
  netd_.list_error = absl::UnavailableError("netd down");
  EXPECT_EQ(service_.Reconcile().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(imaged_.snapshots, ElementsAre("orphan"));
}

TEST(RandomContainerIdTest, Is64LowercaseHexAndDiffers) {
  std::string a = RandomContainerId();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, RandomContainerId());
}

// docker ps: the use case applies the filters and the limit for every face;
// a status filter or a limit looks at stopped containers too.
TEST_F(ContainerServiceTest, ListFiltersNewestFirstAndLimits) {
  auto add = [&](const std::string& id, v1::ContainerStatus status, int64_t created,
                 const std::string& label) {
    v1::Container& c = runtimed_.containers[id];
    c.set_id(id);
    c.set_name("c-" + id);
    c.mutable_state()->set_status(status);
    c.mutable_created()->set_seconds(created);
    if (!label.empty()) (*c.mutable_config()->mutable_labels())["tier"] = label;
  };
  add("old", v1::CONTAINER_STATUS_RUNNING, 100, "web");
  add("mid", v1::CONTAINER_STATUS_EXITED, 200, "web");
  add("new", v1::CONTAINER_STATUS_RUNNING, 300, "db");
  auto ids = [](const absl::StatusOr<std::vector<v1::Container>>& list) {
    std::vector<std::string> out;
    if (list.ok()) {
      for (const v1::Container& c : *list) out.push_back(c.id());
    }
    return out;
  };

  EXPECT_THAT(ids(service_.List({})), ElementsAre("new", "old"));
  EXPECT_THAT(ids(service_.List({.all = true})), ElementsAre("new", "mid", "old"));
  EXPECT_THAT(ids(service_.List({.filters = {{"label", {"tier=web"}}}})), ElementsAre("old"));
  EXPECT_THAT(ids(service_.List({.filters = {{"status", {"exited"}}}})), ElementsAre("mid"));
  EXPECT_THAT(ids(service_.List({.limit = 2})), ElementsAre("new", "mid"));
  EXPECT_THAT(ids(service_.List({.all = true, .filters = {{"label", {"tier=web"}}}, .limit = 1})),
              ElementsAre("mid"));

  auto bad = service_.List({.filters = {{"volume", {"x"}}}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "invalid filter 'volume'");
}

}  // namespace
}  // namespace berth::apid
