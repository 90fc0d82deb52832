// Numeric query values are range-checked before anything reaches a backend:
// out-of-range or malformed ones are 400 with a message naming the key and
// the range, never a wrapped number handed to runtimed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/apid/create_bodies.h"
#include "tests/unit/apid/rest_fixture.h"

namespace berth::apid::rest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RestQueryBoundsTest : public RestHandlersTest {
 protected:
  RestQueryBoundsTest() {
    Call("POST", "/containers/create", "name=web", testing::kRunRmBody);
    log_.clear();
  }

  // Expects 400 with `message` in the Docker error body and no backend call.
  void ExpectRefused(const std::string& method, const std::string& path,
                     const std::string& query, const std::string& message) {
    SCOPED_TRACE(method + " " + path + "?" + query);
    log_.clear();
    RecordingExchange ex = Call(method, path, query);
    EXPECT_EQ(ex.status, 400);
    EXPECT_THAT(nlohmann::json::parse(ex.body)["message"].get<std::string>(),
                HasSubstr(message));
    EXPECT_THAT(log_, IsEmpty());
  }
};

TEST_F(RestQueryBoundsTest, StopTimeoutOutOfRangeIs400) {
  const std::string range = "(must be an integer from -1 to 2147483647)";
  ExpectRefused("POST", "/containers/web/stop", "t=99999999999999999999",
                "invalid value for t: '99999999999999999999' " + range);
  // Fits in 64 bits, but would wrap to a negative int32.
  ExpectRefused("POST", "/containers/web/stop", "t=4294967295", range);
  ExpectRefused("POST", "/containers/web/stop", "t=2147483648", range);
  ExpectRefused("POST", "/containers/web/stop", "t=-5", range);
  ExpectRefused("POST", "/containers/web/stop", "t=abc", range);
  ExpectRefused("POST", "/containers/web/stop", "t=1.5", range);
  ExpectRefused("POST", "/containers/web/restart", "t=99999999999", range);
  ExpectRefused("POST", "/containers/web/restart", "t=-2", range);
}

TEST_F(RestQueryBoundsTest, StopTimeoutInRangeReachesRuntimed) {
  // The fake's container is not running: each stop answers 304 (already
  // stopped) after reaching runtimed with the value.
  EXPECT_EQ(Call("POST", "/containers/web/stop", "t=2147483647").status, 304);
  EXPECT_EQ(runtimed_.last_stop.timeout_seconds(), 2147483647);
  EXPECT_EQ(Call("POST", "/containers/web/stop", "t=-1").status, 304);
  EXPECT_EQ(runtimed_.last_stop.timeout_seconds(), -1);
  EXPECT_EQ(Call("POST", "/containers/web/stop", "").status, 304);
  EXPECT_EQ(runtimed_.last_stop.timeout_seconds(), -1);  // absent: the container's default
  EXPECT_EQ(Call("POST", "/containers/web/stop", "t=0").status, 304);
  EXPECT_EQ(runtimed_.last_stop.timeout_seconds(), 0);
}

TEST_F(RestQueryBoundsTest, NumericSignalsAreBoundedNamesPassThrough) {
  ExpectRefused("POST", "/containers/web/kill", "signal=99999999999999999999",
                "invalid value for signal");
  ExpectRefused("POST", "/containers/web/kill", "signal=65", "from 1 to 64");
  ExpectRefused("POST", "/containers/web/kill", "signal=0", "from 1 to 64");
  ExpectRefused("POST", "/containers/web/kill", "signal=-9", "from 1 to 64");
  ExpectRefused("POST", "/containers/web/stop", "signal=4294967305", "from 1 to 64");
  EXPECT_EQ(Call("POST", "/containers/web/kill", "signal=9").status, 204);
  EXPECT_EQ(runtimed_.last_kill.signal(), "9");
  EXPECT_EQ(Call("POST", "/containers/web/kill", "signal=%2B15").status, 204);
  EXPECT_EQ(runtimed_.last_kill.signal(), "15");
  EXPECT_EQ(Call("POST", "/containers/web/kill", "signal=SIGHUP").status, 204);
  EXPECT_EQ(runtimed_.last_kill.signal(), "SIGHUP");
  EXPECT_EQ(Call("POST", "/containers/web/kill", "").status, 204);
  EXPECT_EQ(runtimed_.last_kill.signal(), "");
}

TEST_F(RestQueryBoundsTest, ResizeBeyond16BitsIs400) {
  ExpectRefused("POST", "/containers/web/resize", "h=65536&w=80",
                "invalid value for h: '65536' (must be an integer from 0 to 65535)");
  ExpectRefused("POST", "/containers/web/resize", "h=24&w=4294967376", "invalid value for w");
  ExpectRefused("POST", "/containers/web/resize", "h=-1&w=80", "invalid value for h");
  EXPECT_EQ(Call("POST", "/containers/web/resize", "h=65535&w=1").status, 200);
  EXPECT_EQ(runtimed_.last_resize.height(), 65535u);
  EXPECT_EQ(runtimed_.last_resize.width(), 1u);
}

TEST_F(RestQueryBoundsTest, LogsTailSinceUntilAreChecked) {
  const std::string logs = "/containers/web/logs";
  ExpectRefused("GET", logs, "stdout=1&tail=abc", "invalid value for tail: 'abc'");
  ExpectRefused("GET", logs, "stdout=1&tail=2147483648", "invalid value for tail");
  ExpectRefused("GET", logs, "stdout=1&tail=-7", "invalid value for tail");
  ExpectRefused("GET", logs, "stdout=1&since=nan", "invalid value for since: 'nan'");
  ExpectRefused("GET", logs, "stdout=1&since=1e30", "invalid value for since");
  ExpectRefused("GET", logs, "stdout=1&since=-1", "invalid value for since");
  ExpectRefused("GET", logs, "stdout=1&until=99999999999", "invalid value for until");
  ExpectRefused("GET", logs, "stdout=1&until=1.1234567890", "invalid value for until");

  Call("GET", logs, "stdout=1&tail=all&since=1700000000.5");
  EXPECT_EQ(runtimed_.last_logs.tail(), -1);
  EXPECT_EQ(runtimed_.last_logs.since_unix_nano(), 1700000000500000000LL);
  Call("GET", logs, "stdout=1&tail=3&since=1700000000.000000001");
  EXPECT_EQ(runtimed_.last_logs.tail(), 3);
  EXPECT_EQ(runtimed_.last_logs.since_unix_nano(), 1700000000000000001LL);
  Call("GET", logs, "stdout=1&tail=");
  EXPECT_EQ(runtimed_.last_logs.tail(), -1);
}

TEST_F(RestQueryBoundsTest, ListLimitIsBounded) {
  EXPECT_EQ(Call("GET", "/containers/json", "limit=99999999999").status, 400);
  EXPECT_EQ(Call("GET", "/containers/json", "limit=-3").status, 400);
  RecordingExchange ex = Call("GET", "/containers/json", "limit=1");
  EXPECT_EQ(ex.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ex.body).size(), 1u);
}

}  // namespace
}  // namespace berth::apid::rest
