// The builder end to end: the same multi-stage Dockerfile through
// `DOCKER_BUILDKIT=0 docker build` (REST POST /build), `berth build` (gRPC)
// and docker-py's images.build; the layer cache across rebuilds; .dockerignore;
// a failing RUN and a syntax error.
#include <fstream>
#include <regex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDockerfile[] = R"DF(# escape=\
ARG BASE=busybox
FROM ${BASE} AS build
WORKDIR /src
COPY greeting.txt ./
RUN echo "built $(cat greeting.txt)" > out.txt && echo RAN-STEP-$((40+2))

FROM ${BASE}:latest
ARG VERSION=1
ENV APP_HOME=/app \
    VERSION=${VERSION}
LABEL org.example.version="${VERSION}" org.example.name=demo
EXPOSE 8080 53/udp
WORKDIR ${APP_HOME}
COPY --from=build /src/out.txt ./out.txt
COPY --chown=1000:1000 --chmod=0640 conf/*.conf /etc/demo/
COPY . /ctx/
ADD files.tar.gz /opt/
RUN ["/bin/sh", "-c", "test -f /opt/files/inside.txt && test ! -e /ctx/ignored.txt"]
USER 1000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --retries=2 CMD ["true"]
SHELL ["/bin/sh", "-c"]
ONBUILD RUN echo child
VOLUME /data
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat out.txt; id -u; pwd; echo $APP_HOME $VERSION; stat -c '%u %a' /etc/demo/app.conf; ls /ctx"]
)DF";


class BuildTest : public BusyboxStackTest {
 protected:
  void SetUp() override {
    BusyboxStackTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ctx_ = stack_->root() + "/ctx";
    CommandResult made = stack_->Shell(
        "mkdir -p " + ctx_ + "/conf " + ctx_ + "/tarsrc/files && cd " + ctx_ +
        " && printf hello > greeting.txt && printf secret > ignored.txt"
        " && printf 'a=1\\n' > conf/app.conf && printf in > tarsrc/files/inside.txt"
        " && tar -czf files.tar.gz -C tarsrc files && rm -r tarsrc"
        " && printf 'ignored.txt\\n*.md\\n' > .dockerignore && printf doc > notes.md");
    ASSERT_EQ(made.exit_code, 0) << made.err;
    Write("Dockerfile", kDockerfile);
  }

  void Write(const std::string& name, const std::string& content) {
    std::ofstream(ctx_ + "/" + name, std::ios::trunc) << content;
  }

  CommandResult DockerBuild(const std::string& args) {
    CommandOptions options;
    options.env["DOCKER_BUILDKIT"] = "0";
    options.timeout = std::chrono::seconds(120);
    return stack_->Docker("build " + args, options);
  }

  // Runs the image and checks what the Dockerfile promised.
  void ExpectImageBehaves(const std::string& image, const std::string& version) {
    CommandResult run = stack_->Docker("run --rm " + image);
    ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr("built hello\n1000\n/app\n/app " + version + "\n1000 640\n"));
    EXPECT_THAT(run.out, HasSubstr("greeting.txt"));
    EXPECT_THAT(run.out, Not(HasSubstr("ignored.txt")));  // .dockerignore kept it out
    EXPECT_THAT(run.out, Not(HasSubstr("notes.md")));
    CommandResult config = stack_->Docker("image inspect -f '{{json .Config}}' " + image);
    ASSERT_EQ(config.exit_code, 0) << config.err;
    EXPECT_THAT(config.out, HasSubstr(R"("User":"1000")"));
    EXPECT_THAT(config.out, HasSubstr(R"("WorkingDir":"/app")"));
    EXPECT_THAT(config.out, HasSubstr("\"VERSION=" + version + "\""));
    EXPECT_THAT(config.out, HasSubstr(R"("APP_HOME=/app")"));
    EXPECT_THAT(config.out, HasSubstr(R"("Entrypoint":["/bin/sh","-c"])"));
    EXPECT_THAT(config.out, HasSubstr("\"org.example.version\":\"" + version + "\""));
    EXPECT_THAT(config.out, HasSubstr(R"("8080/tcp":{})"));
    EXPECT_THAT(config.out, HasSubstr(R"("53/udp":{})"));
    EXPECT_THAT(config.out, HasSubstr(R"("StopSignal":"SIGTERM")"));
    EXPECT_THAT(config.out,
                HasSubstr(R"("Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,)"
                          R"("Retries":2})"));
  }

  // No step container may be left behind.
  void ExpectNoContainers() {
    CommandResult ps = stack_->Docker("ps -a -q");
    EXPECT_EQ(ps.exit_code, 0) << ps.err;
    EXPECT_EQ(Trimmed(ps.out), "");
  }

  std::string ctx_;
};

TEST_F(BuildTest, DockerCliBuildsCachesAndRebuildsFromTheChangedStep) {
  CommandResult first = DockerBuild("--build-arg VERSION=2 --label extra=yes -t demo:1 -t demo:2 " +
                                    ctx_);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("Step 1/"));
  EXPECT_THAT(first.out, HasSubstr("RAN-STEP-42"));
  EXPECT_THAT(first.out, HasSubstr("Successfully tagged demo:1"));
  EXPECT_THAT(first.out, HasSubstr("Successfully tagged demo:2"));
  ExpectImageBehaves("demo:1", "2");
  CommandResult label = stack_->Docker("image inspect -f '{{index .Config.Labels \"extra\"}}' demo:2");
  EXPECT_EQ(Trimmed(label.out), "yes");
  ExpectNoContainers();
  std::string id = Trimmed(stack_->Docker("image inspect -f '{{.Id}}' demo:1").out);

  // No change: every step from the cache, no RUN, the same image.
  std::string iid = stack_->root() + "/iid";
  CommandResult again = DockerBuild("--build-arg VERSION=2 --label extra=yes --iidfile " + iid +
                                    " -t demo:1 " + ctx_);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, Not(HasSubstr("RAN-STEP-42")));
  EXPECT_THAT(again.out, Not(HasSubstr("Running in")));
  EXPECT_THAT(again.out, HasSubstr("Using cache"));
  std::ifstream iid_file(iid);
  std::string iid_text((std::istreambuf_iterator<char>(iid_file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(iid_text, id);

  // A changed copied file: the steps before it are cached, it and its RUN rerun.
  Write("greeting.txt", "bonjour");
  CommandResult changed = DockerBuild("--build-arg VERSION=2 -t demo:3 " + ctx_);
  ASSERT_EQ(changed.exit_code, 0) << changed.out << changed.err;
  std::string out = changed.out;
  size_t copy_step = out.find("COPY greeting.txt ./");
  ASSERT_NE(copy_step, std::string::npos) << out;
  EXPECT_THAT(out.substr(0, copy_step), HasSubstr("Using cache"));  // WORKDIR /src
  EXPECT_THAT(out.substr(copy_step), HasSubstr("RAN-STEP-42"));
  std::string shown = stack_->Docker("run --rm demo:3").out;
  EXPECT_THAT(shown, HasSubstr("built bonjour"));
  ExpectNoContainers();

  // apid's build metrics saw the three builds and their cached steps.
  std::string metrics =
      stack_->Shell("curl -sf http://" + stack_->MetricsAddress("apid") + "/metrics").out;
  EXPECT_THAT(metrics, HasSubstr("berth_apid_builds_total{result=\"ok\"} 3"));
  EXPECT_THAT(metrics, HasSubstr("berth_apid_build_steps_total{kind=\"cached\"}"));
  EXPECT_THAT(metrics, Not(HasSubstr("berth_apid_build_steps_total{kind=\"cached\"} 0\n")));
  EXPECT_THAT(metrics, HasSubstr("berth_apid_build_duration_seconds_count 3"));
}

TEST_F(BuildTest, FailingRunFailsWithItsCodeAndLeavesNothing) {
  Write("Dockerfile.fail", "FROM busybox\nRUN echo before\nRUN exit 3\n");
  CommandResult failed = DockerBuild("-f " + ctx_ + "/Dockerfile.fail " + ctx_);
  EXPECT_EQ(failed.exit_code, 3) << failed.out << failed.err;
  EXPECT_THAT(failed.out + failed.err,
              HasSubstr("The command '/bin/sh -c exit 3' returned a non-zero code: 3"));
  ExpectNoContainers();
  // Not a snapshot left behind either (imaged's view through the berth CLI).
  CommandResult ps = stack_->Berth("ps -a -q");
  EXPECT_EQ(Trimmed(ps.out), "");
  CommandResult snapshots = stack_->Shell("ls " + stack_->root() + "/state/imaged/snapshots 2>/dev/null | wc -l");
  EXPECT_EQ(Trimmed(snapshots.out), "0");
}

// The client going away mid-RUN (a silent one) stops the step and removes
// its container.
TEST_F(BuildTest, CancelledBuildCleansUp) {
  Write("Dockerfile.slow", "FROM busybox\nRUN echo started && sleep 60\n");
  std::string out = stack_->root() + "/slow.out";
  CommandResult started = stack_->Shell(
      "DOCKER_BUILDKIT=0 docker build -f " + ctx_ + "/Dockerfile.slow " + ctx_ + " > " + out +
      " 2>&1 & pid=$!; for i in $(seq 1 100); do grep -q '^started' " + out +
      " && break; sleep 0.2; done; kill $pid; wait $pid; grep -c '^started' " + out);
  EXPECT_EQ(Trimmed(started.out), "1") << started.out << started.err;
  CommandResult gone = stack_->Shell(
      "for i in $(seq 1 75); do [ -z \"$(docker ps -a -q)\" ] && echo clean && exit 0; "
      "sleep 0.2; done; docker ps -a");
  EXPECT_EQ(Trimmed(gone.out), "clean");
}

TEST_F(BuildTest, SyntaxErrorNamesItsLine) {
  Write("Dockerfile.bad", "FROM busybox\nRUN true\nFOO bar\n");
  CommandResult bad = DockerBuild("-f " + ctx_ + "/Dockerfile.bad " + ctx_);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("dockerfile parse error on line 3: unknown instruction: FOO"));
  CommandResult berth = stack_->Berth("build -f " + ctx_ + "/Dockerfile.bad " + ctx_);
  EXPECT_NE(berth.exit_code, 0);
  EXPECT_THAT(berth.err, HasSubstr("dockerfile parse error on line 3: unknown instruction: FOO"));
}

TEST_F(BuildTest, BerthBuildAndCache) {
  CommandResult first = stack_->Berth("build --build-arg VERSION=3 -t bdemo " + ctx_,
                                      {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_THAT(first.out, HasSubstr("RAN-STEP-42"));
  ExpectImageBehaves("bdemo", "3");
  CommandResult quiet = stack_->Berth("build -q --build-arg VERSION=3 " + ctx_,
                                      {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  std::string id = Trimmed(stack_->Docker("image inspect -f '{{.Id}}' bdemo").out);
  EXPECT_EQ(Trimmed(quiet.out), id);  // fully cached: the same image, only its id printed
  CommandResult failed = stack_->Berth("build -f - " + ctx_,
                                       {.stdin_data = "FROM busybox\nRUN exit 4\n"});
  EXPECT_EQ(failed.exit_code, 4) << failed.out << failed.err;
  ExpectNoContainers();
}

TEST_F(BuildTest, DockerPyBuild) {
  std::string script = R"PY(
import docker, sys
c = docker.from_env(version="1.41")
image, logs = c.images.build(path=sys.argv[1], tag="pydemo:1", buildargs={"VERSION": "5"}, rm=True)
text = "".join(l.get("stream", "") for l in logs)
assert "RAN-STEP-42" in text, text
out = c.containers.run("pydemo:1", remove=True).decode()
assert "built hello" in out and "/app 5" in out, out
try:
    c.images.build(path=sys.argv[1], dockerfile="Dockerfile.fail", rm=True)
    sys.exit("the failing build succeeded")
except docker.errors.BuildError as e:
    assert "returned a non-zero code: 7" in str(e), str(e)
print("ok")
)PY";
  Write("Dockerfile.fail", "FROM busybox\nRUN exit 7\n");
  std::ofstream(stack_->root() + "/build_flow.py") << script;
  CommandResult flow = stack_->Shell("/usr/bin/python3 " + stack_->root() + "/build_flow.py " + ctx_,
                                     {.timeout = std::chrono::seconds(150)});
  EXPECT_EQ(flow.exit_code, 0) << flow.out << flow.err;
  ExpectNoContainers();
}

}  // namespace
}  // namespace berth::e2e
