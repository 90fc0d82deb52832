#include "services/apid/usecases/event_service.h"

#include <nlohmann/json.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/apid/rest/handlers.h"
#include "tests/unit/apid/fakes.h"

namespace berth::apid {
namespace {

using ::testing::ElementsAre;

constexpr int64_t kSecond = 1000000000LL;

v1::Event Ev(const std::string& type, const std::string& action, const std::string& id,
             int64_t t, std::map<std::string, std::string> attributes = {}) {
  v1::Event e;
  e.set_type(type);
  e.set_action(action);
  e.set_id(id);
  e.mutable_time()->set_seconds(t / kSecond);
  e.mutable_time()->set_nanos(static_cast<int32_t>(t % kSecond));
  for (auto& [k, v] : attributes) (*e.mutable_attributes())[k] = v;
  return e;
}

class EventServiceTest : public ::testing::Test {
 protected:
  EventServiceTest()
      : imaged_(log_), runtimed_(log_), service_(runtimed_, imaged_, [] { return 100 * kSecond; }) {}

  std::vector<std::string> Collect(const EventQuery& q, absl::Status* status = nullptr) {
    std::vector<std::string> seen;
    absl::Status s = service_.Stream(
        q,
        [&](const v1::Event& e) {
          seen.push_back(e.type() + " " + e.action() + " " + e.id());
          return true;
        },
        [] { return false; });
    if (status != nullptr) *status = s;
    return seen;
  }

  testing::CallLog log_;
  testing::FakeImaged imaged_;
  testing::FakeRuntimed runtimed_;
  EventService service_;
};

TEST_F(EventServiceTest, BacklogOfAllServicesIsMergedInTimeOrder) {
  runtimed_.events = {Ev("container", "create", "c1", 10 * kSecond),
                      Ev("container", "start", "c1", 30 * kSecond)};
  imaged_.events = {Ev("image", "pull", "busybox:latest", 5 * kSecond),
                    Ev("image", "tag", "sha256:x", 20 * kSecond)};
  EventQuery q;
  q.since_unix_nano = 1;
  q.until_unix_nano = 50 * kSecond;
  EXPECT_THAT(Collect(q), ElementsAre("image pull busybox:latest", "container create c1",
                                      "image tag sha256:x", "container start c1"));
}

TEST_F(EventServiceTest, SinceAndUntilBoundTheWindow) {
  runtimed_.events = {Ev("container", "create", "c1", 10 * kSecond),
                      Ev("container", "start", "c1", 20 * kSecond),
                      Ev("container", "die", "c1", 30 * kSecond)};
  EventQuery q;
  q.since_unix_nano = 10 * kSecond;  // exclusive, as dockerd
  q.until_unix_nano = 20 * kSecond;
  EXPECT_THAT(Collect(q), ElementsAre("container start c1"));
  // until in the past: no live phase is opened.
  ASSERT_EQ(runtimed_.events_requests.size(), 1u);
  EXPECT_EQ(runtimed_.events_requests[0].until_unix_nano(), 20 * kSecond);
}

TEST_F(EventServiceTest, LiveEventsFollowTheCutWithoutDuplicates) {
  // The fake's streams hold every event "kept": the backlog asks up to the
  // cut (100 s), the live phase from the cut on.
  runtimed_.events = {Ev("container", "create", "c1", 90 * kSecond),
                      Ev("container", "start", "c1", 110 * kSecond)};
  EventQuery q;
  q.since_unix_nano = 1;
  q.until_unix_nano = 200 * kSecond;
  EXPECT_THAT(Collect(q), ElementsAre("container create c1", "container start c1"));
  ASSERT_EQ(runtimed_.events_requests.size(), 2u);
  EXPECT_EQ(runtimed_.events_requests[0].until_unix_nano(), 100 * kSecond);
  EXPECT_EQ(runtimed_.events_requests[1].since_unix_nano(), 100 * kSecond);
}

TEST_F(EventServiceTest, FiltersFollowDockerd) {
  runtimed_.events = {
      Ev("container", "create", "c1aaaa", 10 * kSecond, {{"name", "web"}, {"image", "busybox"}}),
      Ev("container", "create", "c2bbbb", 11 * kSecond, {{"name", "db"}, {"tier", "back"}}),
      Ev("container", "health_status: healthy", "c1aaaa", 12 * kSecond, {{"name", "web"}})};
  imaged_.events = {Ev("image", "pull", "busybox:latest", 13 * kSecond, {{"name", "busybox"}})};
  EventQuery q;
  q.since_unix_nano = 1;
  q.until_unix_nano = 50 * kSecond;
  q.filters = {{"container", {"web"}}};
  EXPECT_THAT(Collect(q), ElementsAre("container create c1aaaa",
                                      "container health_status: healthy c1aaaa"));
  q.filters = {{"container", {"c2b"}}};  // an id prefix
  EXPECT_THAT(Collect(q), ElementsAre("container create c2bbbb"));
  q.filters = {{"event", {"health_status"}}};
  EXPECT_THAT(Collect(q), ElementsAre("container health_status: healthy c1aaaa"));
  q.filters = {{"type", {"image"}}};
  EXPECT_THAT(Collect(q), ElementsAre("image pull busybox:latest"));
  q.filters = {{"image", {"busybox"}}};  // both the container's image and the pull
  EXPECT_THAT(Collect(q), ElementsAre("container create c1aaaa", "image pull busybox:latest"));
  q.filters = {{"label", {"tier=back"}}, {"event", {"create", "start"}}};
  EXPECT_THAT(Collect(q), ElementsAre("container create c2bbbb"));
  q.filters = {{"label", {"tier=front"}}};
  EXPECT_THAT(Collect(q), ElementsAre());
}

TEST_F(EventServiceTest, UnknownFilterKeysAreRefused) {
  EXPECT_TRUE(ValidateEventFilters({{"container", {"x"}}, {"type", {"image"}}}).ok());
  absl::Status s = ValidateEventFilters({{"colour", {"red"}}});
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_EQ(s.message(), "invalid filter 'colour'");
}

TEST_F(EventServiceTest, AServiceThatIsDownEndsTheStreamWithItsError) {
  runtimed_.events_down = true;
  EventQuery q;
  q.since_unix_nano = 1;
  absl::Status status;
  Collect(q, &status);
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
}

TEST_F(EventServiceTest, SinkSayingStopEndsTheStream) {
  runtimed_.events = {Ev("container", "create", "c1", 10 * kSecond),
                      Ev("container", "start", "c1", 20 * kSecond)};
  EventQuery q;
  q.since_unix_nano = 1;
  int calls = 0;
  absl::Status s = service_.Stream(
      q, [&](const v1::Event&) { return ++calls < 1; }, [] { return false; });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 1);
}

TEST(EventJsonTest, ContainerEventsCarryDockersLegacyFields) {
  v1::Event e = Ev("container", "die", "abc", 1700000000 * kSecond + 5,
                   {{"image", "busybox"}, {"name", "x"}, {"exitCode", "3"}});
  nlohmann::json j = nlohmann::json::parse(rest::EventJson(e));
  EXPECT_EQ(j["status"], "die");
  EXPECT_EQ(j["id"], "abc");
  EXPECT_EQ(j["from"], "busybox");
  EXPECT_EQ(j["Type"], "container");
  EXPECT_EQ(j["Action"], "die");
  EXPECT_EQ(j["Actor"]["ID"], "abc");
  EXPECT_EQ(j["Actor"]["Attributes"]["exitCode"], "3");
  EXPECT_EQ(j["scope"], "local");
  EXPECT_EQ(j["time"], 1700000000);
  EXPECT_EQ(j["timeNano"], 1700000000 * kSecond + 5);
  v1::Event net = Ev("network", "connect", "n1", kSecond);
  nlohmann::json n = nlohmann::json::parse(rest::EventJson(net));
  EXPECT_FALSE(n.contains("status"));
  EXPECT_EQ(n["Actor"]["Attributes"], nlohmann::json::object());
}

}  // namespace
}  // namespace berth::apid
