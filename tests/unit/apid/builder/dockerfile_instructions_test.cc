// Every instruction parses into its fields.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/apid/builder/dockerfile/instructions.h"

namespace berth::apid::builder::dockerfile {
namespace {

using ::testing::ElementsAre;

Dockerfile Must(const std::string& text) {
  auto d = ParseDockerfile(text);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *d : Dockerfile();
}

// The first instruction after `FROM scratch`.
Instruction One(const std::string& line) {
  Dockerfile d = Must("FROM scratch\n" + line + "\n");
  EXPECT_EQ(d.stages.size(), 1u);
  EXPECT_EQ(d.stages[0].commands.size(), 1u);
  return d.stages.empty() || d.stages[0].commands.empty() ? Instruction() : d.stages[0].commands[0];
}

TEST(InstructionsTest, FromWithStagesAndMetaArgs) {
  Dockerfile d = Must(
      "ARG BASE=busybox\nARG TAG\nFROM ${BASE}:${TAG:-latest} AS Build\nRUN true\n"
      "FROM --platform=linux/amd64 build\nFROM scratch as final\n");
  ASSERT_EQ(d.meta_args.size(), 2u);
  EXPECT_EQ(d.meta_args[0].key, "BASE");
  EXPECT_EQ(d.meta_args[0].value, "busybox");
  EXPECT_FALSE(d.meta_args[1].has_value);
  ASSERT_EQ(d.stages.size(), 3u);
  EXPECT_EQ(d.stages[0].from.image, "${BASE}:${TAG:-latest}");
  EXPECT_EQ(d.stages[0].name, "build");  // stage names are lower-cased
  EXPECT_EQ(d.stages[0].commands.size(), 1u);
  EXPECT_EQ(d.stages[1].from.image, "build");
  EXPECT_EQ(d.stages[1].from.platform, "linux/amd64");
  EXPECT_EQ(d.stages[1].name, "");
  EXPECT_EQ(d.stages[2].name, "final");
}

TEST(InstructionsTest, RunShellAndExecForm) {
  Instruction shell = One("RUN echo $HOME && ls");
  EXPECT_EQ(shell.kind, Kind::kRun);
  EXPECT_FALSE(shell.command.exec_form);
  EXPECT_THAT(shell.command.args, ElementsAre("echo $HOME && ls"));
  Instruction exec = One("RUN [\"/bin/echo\", \"a b\"]");
  EXPECT_TRUE(exec.command.exec_form);
  EXPECT_THAT(exec.command.args, ElementsAre("/bin/echo", "a b"));
  // Not valid JSON: shell form, as Docker does.
  Instruction broken = One("RUN ['a','b']");
  EXPECT_FALSE(broken.command.exec_form);
  EXPECT_EQ(One("RUN --network=none wget x").network, "none");
}

TEST(InstructionsTest, CmdEntrypointAndShell) {
  Instruction cmd = One("CMD [\"sh\", \"-c\", \"echo hi\"]");
  EXPECT_EQ(cmd.kind, Kind::kCmd);
  EXPECT_TRUE(cmd.command.exec_form);
  EXPECT_EQ(cmd.command.args.size(), 3u);
  Instruction empty_cmd = One("CMD []");
  EXPECT_TRUE(empty_cmd.command.exec_form);
  EXPECT_TRUE(empty_cmd.command.args.empty());
  Instruction ep = One("ENTRYPOINT top -b");
  EXPECT_EQ(ep.kind, Kind::kEntrypoint);
  EXPECT_THAT(ep.command.args, ElementsAre("top -b"));
  Instruction sh = One("SHELL [\"/bin/sh\", \"-ec\"]");
  EXPECT_EQ(sh.kind, Kind::kShell);
  EXPECT_THAT(sh.command.args, ElementsAre("/bin/sh", "-ec"));
}

TEST(InstructionsTest, EnvBothForms) {
  Instruction modern = One("ENV A=1 B=\"two words\" C=${A}");
  ASSERT_EQ(modern.pairs.size(), 3u);
  EXPECT_EQ(modern.pairs[0].key, "A");
  EXPECT_EQ(modern.pairs[1].value, "\"two words\"");  // quotes go at dispatch
  EXPECT_EQ(modern.pairs[2].value, "${A}");
  Instruction legacy = One("ENV GREETING hello   big world");
  ASSERT_EQ(legacy.pairs.size(), 1u);
  EXPECT_EQ(legacy.pairs[0].key, "GREETING");
  EXPECT_EQ(legacy.pairs[0].value, "hello   big world");
}

TEST(InstructionsTest, ArgLabelExpose) {
  Instruction arg = One("ARG VERSION=1.0 USER");
  ASSERT_EQ(arg.pairs.size(), 2u);
  EXPECT_EQ(arg.pairs[0].value, "1.0");
  EXPECT_FALSE(arg.pairs[1].has_value);
  Instruction label = One("LABEL org.example.a=\"x y\" b=c");
  ASSERT_EQ(label.pairs.size(), 2u);
  EXPECT_EQ(label.pairs[0].key, "org.example.a");
  Instruction legacy_label = One("LABEL maintainer someone");
  EXPECT_EQ(legacy_label.pairs[0].value, "someone");
  Instruction expose = One("EXPOSE 80 443/tcp 53/udp");
  EXPECT_THAT(expose.words, ElementsAre("80", "443/tcp", "53/udp"));
}

TEST(InstructionsTest, WorkdirUserStopsignalMaintainer) {
  EXPECT_EQ(One("WORKDIR /app/$DIR").value, "/app/$DIR");
  EXPECT_EQ(One("USER 1000:1000").value, "1000:1000");
  EXPECT_EQ(One("STOPSIGNAL SIGTERM").value, "SIGTERM");
  EXPECT_EQ(One("MAINTAINER me <me@example.com>").kind, Kind::kMaintainer);
}

TEST(InstructionsTest, CopyAndAddWithFlagsAndGlobs) {
  Instruction copy = One("COPY --from=build --chown=1000:1000 --chmod=0755 *.sh bin/ /usr/bin/");
  EXPECT_EQ(copy.kind, Kind::kCopy);
  EXPECT_EQ(copy.from, "build");
  EXPECT_EQ(copy.chown, "1000:1000");
  EXPECT_EQ(copy.chmod, "0755");
  EXPECT_THAT(copy.words, ElementsAre("*.sh", "bin/"));
  EXPECT_EQ(copy.dest, "/usr/bin/");
  Instruction json = One("COPY [\"a file\", \"/dst dir/\"]");
  EXPECT_TRUE(json.sources_exec_form);
  EXPECT_THAT(json.words, ElementsAre("a file"));
  EXPECT_EQ(json.dest, "/dst dir/");
  Instruction add = One("ADD --chown=app rootfs.tar.gz /");
  EXPECT_EQ(add.kind, Kind::kAdd);
  EXPECT_EQ(add.chown, "app");
}

TEST(InstructionsTest, VolumeBothForms) {
  EXPECT_THAT(One("VOLUME /data /logs").words, ElementsAre("/data", "/logs"));
  EXPECT_THAT(One("VOLUME [\"/data\"]").words, ElementsAre("/data"));
}

TEST(InstructionsTest, HealthcheckWithOptionsAndNone) {
  Instruction hc = One(
      "HEALTHCHECK --interval=5m --timeout=3s --start-period=1m30s --start-interval=500ms "
      "--retries=4 CMD wget -q http://localhost/ || exit 1");
  EXPECT_FALSE(hc.healthcheck.none);
  EXPECT_EQ(hc.healthcheck.interval, absl::Minutes(5));
  EXPECT_EQ(hc.healthcheck.timeout, absl::Seconds(3));
  EXPECT_EQ(hc.healthcheck.start_period, absl::Seconds(90));
  EXPECT_EQ(hc.healthcheck.start_interval, absl::Milliseconds(500));
  EXPECT_EQ(hc.healthcheck.retries, 4);
  EXPECT_FALSE(hc.healthcheck.command.exec_form);
  EXPECT_THAT(hc.healthcheck.command.args, ElementsAre("wget -q http://localhost/ || exit 1"));
  Instruction exec = One("HEALTHCHECK CMD [\"/bin/true\"]");
  EXPECT_TRUE(exec.healthcheck.command.exec_form);
  EXPECT_TRUE(One("HEALTHCHECK NONE").healthcheck.none);
  EXPECT_TRUE(One("healthcheck none").healthcheck.none);
}

TEST(InstructionsTest, OnbuildKeepsTheTrigger) {
  Instruction ob = One("ONBUILD RUN echo triggered");
  EXPECT_EQ(ob.kind, Kind::kOnbuild);
  EXPECT_EQ(ob.trigger, "RUN echo triggered");
}

TEST(InstructionsTest, KindNamesAreUpperCase) {
  EXPECT_EQ(KindName(Kind::kHealthcheck), "HEALTHCHECK");
  EXPECT_EQ(KindName(Kind::kStopSignal), "STOPSIGNAL");
}

TEST(GoDurationTest, ParsesGoSyntax) {
  EXPECT_EQ(*ParseGoDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParseGoDuration("1h2m3s"), absl::Seconds(3723));
  EXPECT_EQ(*ParseGoDuration("1.5s"), absl::Milliseconds(1500));
  EXPECT_EQ(*ParseGoDuration("250us"), absl::Microseconds(250));
  EXPECT_EQ(ParseGoDuration("5").status().message(), "time: missing unit in duration \"5\"");
  EXPECT_EQ(ParseGoDuration("5d").status().message(),
            "time: unknown unit \"d\" in duration \"5d\"");
  EXPECT_FALSE(ParseGoDuration("").ok());
}

}  // namespace
}  // namespace berth::apid::builder::dockerfile
