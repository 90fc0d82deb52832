// The security floor of a private stack, seen from outside: numeric query
// values out of range are refused with 400 through the real docker CLI and
// raw HTTP over the unix socket, and only apid's public sockets are
// group-accessible (stat of every socket). Each TEST is its own ctest entry.
#include <sys/stat.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;

class RestLimitsTest : public PrivateStackTest {
 protected:
  // curl over the Docker socket: the status code on the first line, then the
  // body.
  CommandResult Curl(const std::string& method, const std::string& target) {
    return stack_->Shell("curl -sS --max-time 20 -o - -w '\\n%{http_code}' -X " + method +
                         " --unix-socket " + ShellQuote(stack_->docker_host().substr(7)) +
                         " " + ShellQuote("http://localhost" + target));
  }

};

TEST_F(RestLimitsTest, DockerStopWithHugeTimeoutIsRefused) {
  // Validation comes before the lookup, so no container is needed.
  CommandResult stop = stack_->Docker("stop -t 99999999999 e2e-limits-none");
  EXPECT_EQ(stop.exit_code, 1) << stop.out << stop.err;
  EXPECT_THAT(stop.err, HasSubstr("invalid value for t: '99999999999' (must be an integer "
                                  "from -1 to 2147483647)"));
  CommandResult restart = stack_->Docker("restart -t -5 e2e-limits-none");
  EXPECT_EQ(restart.exit_code, 1) << restart.out << restart.err;
  EXPECT_THAT(restart.err, HasSubstr("invalid value for t: '-5'"));
  // In range, the same command reaches the backend, which has no such container.
  CommandResult missing = stack_->Docker("stop -t 5 e2e-limits-none");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("No such container"));
}

TEST_F(RestLimitsTest, RawOutOfRangeQueryValuesAre400) {
  struct Case {
    const char* method;
    const char* target;
    const char* message;
  };
  for (const Case& c : {
           Case{"POST", "/v1.41/containers/x/stop?t=99999999999999999999",
                "invalid value for t: '99999999999999999999'"},
           Case{"POST", "/v1.41/containers/x/stop?t=-5", "invalid value for t: '-5'"},
           Case{"POST", "/v1.41/containers/x/restart?t=4294967296", "invalid value for t"},
           Case{"POST", "/v1.41/containers/x/kill?signal=4294967305",
                "invalid value for signal"},
           Case{"POST", "/v1.41/containers/x/resize?h=70000&w=80", "invalid value for h"},
           Case{"GET", "/v1.41/containers/x/logs?stdout=1&tail=abc",
                "invalid value for tail: 'abc'"},
           Case{"GET", "/v1.41/containers/x/logs?stdout=1&since=1e99",
                "invalid value for since"},
           Case{"GET", "/v1.41/containers/json?limit=99999999999", "invalid value for limit"},
       }) {
    CommandResult r = Curl(c.method, c.target);
    ASSERT_EQ(r.exit_code, 0) << c.target << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr("\n400")) << c.target << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr(std::string("{\"message\":\"") + c.message)) << c.target;
  }
}

TEST_F(RestLimitsTest, OnlyApidPublicSocketsAreGroupAccessible) {
  struct Expect {
    const char* file;
    unsigned mode;
  };
  for (const Expect& e : {Expect{"api.sock", 0660}, Expect{"docker.sock", 0660},
                          Expect{"imaged.sock", 0600}, Expect{"netd.sock", 0600},
                          Expect{"runtimed.sock", 0600}}) {
    std::string path = stack_->root() + "/run/" + e.file;
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_TRUE(S_ISSOCK(st.st_mode)) << path;
    EXPECT_EQ(st.st_mode & 07777, e.mode) << path << " has mode " << std::oct
                                          << (st.st_mode & 07777);
    EXPECT_EQ(st.st_uid, 0u) << path;
  }
  // The stack still works through them: apid reaches every internal service.
  CommandResult info = stack_->Berth("info");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_THAT(info.out, ::testing::Not(HasSubstr("not serving")));
  CommandResult ps = stack_->Docker("ps");
  EXPECT_EQ(ps.exit_code, 0) << ps.err;
}

}  // namespace
}  // namespace berth::e2e
