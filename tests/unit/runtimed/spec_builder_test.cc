#include "services/runtimed/spec/spec_builder.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::spec {
namespace {

using ::testing::ElementsAre;

v1::Container Record() {
  v1::Container record;
  record.set_id("0123456789abcdef" + std::string(48, '0'));
  auto* config = record.mutable_config();
  config->add_entrypoint("/docker-entrypoint.sh");
  config->add_cmd("nginx");
  config->add_cmd("-g");
  auto* mount = record.add_rootfs();
  mount->set_type("overlay");
  mount->set_source("overlay");
  mount->add_options("lowerdir=/l");
  mount->add_options("upperdir=/u");
  return record;
}

TEST(SpecBuilderTest, ArgsAreEntrypointThenCmd) {
  EXPECT_THAT(ProcessArgs(Record().config()),
              ElementsAre("/docker-entrypoint.sh", "nginx", "-g"));
}

TEST(SpecBuilderTest, HostnameDefaultsToShortId) {
  v1::Container record = Record();
  EXPECT_EQ(Hostname(record), "0123456789ab");
  record.mutable_config()->set_hostname("web");
  EXPECT_EQ(Hostname(record), "web");
}

TEST(SpecBuilderTest, EnvGetsDefaultPathHostnameAndTerm) {
  v1::ContainerConfig config;
  config.add_env("A=1");
  EXPECT_THAT(ProcessEnv(config, "h"), ElementsAre(kDefaultPath, "HOSTNAME=h", "A=1"));
  config.set_tty(true);
  config.add_env("PATH=/bin");
  EXPECT_THAT(ProcessEnv(config, "h"),
              ElementsAre("HOSTNAME=h", "TERM=xterm", "A=1", "PATH=/bin"));
}

TEST(SpecBuilderTest, ShimConfigCarriesRecordAndPaths) {
  v1::Container record = Record();
  record.mutable_config()->set_working_dir("/srv");
  record.mutable_config()->set_user("nobody");
  record.mutable_config()->set_tty(true);
  record.mutable_config()->set_open_stdin(true);
  record.mutable_config()->set_console_height(33);
  record.mutable_config()->set_console_width(111);
  record.mutable_network()->set_sandbox_key("/run/berth/netd/netns/x");
  Paths paths("/state", "/run");
  ShimConfig c = *BuildShimConfig(record, paths, HostFacts::OfThisProcess());
  EXPECT_EQ(c.id, record.id());
  EXPECT_EQ(c.cwd, "/srv");
  EXPECT_EQ(c.user, "nobody");
  EXPECT_TRUE(c.tty);
  EXPECT_TRUE(c.open_stdin);
  EXPECT_EQ(c.console_height, 33u);
  EXPECT_EQ(c.console_width, 111u);
  EXPECT_EQ(c.hostname, "0123456789ab");
  EXPECT_EQ(c.netns_path, "/run/berth/netd/netns/x");
  EXPECT_EQ(c.rootfs_dir, paths.RootfsDir(record.id()));
  ASSERT_EQ(c.mounts.size(), 1u);
  EXPECT_EQ(c.mounts[0], (MountSpec{"overlay", "overlay", "", {"lowerdir=/l", "upperdir=/u"}}));
  EXPECT_EQ(c.socket_path, paths.ShimSocket(record.id()));
  EXPECT_EQ(c.log_path, paths.LogFile(record.id()));
  EXPECT_EQ(c.hosts_file, paths.HostsFile(record.id()));
}

// --init: Docker's docker-init layout, with Debian's tini-static as the binary.
TEST(SpecBuilderTest, InitRunsTheInitBinaryInFrontOfTheCommand) {
  v1::Container record = Record();
  record.mutable_config()->set_init(true);
  HostFacts host = HostFacts::OfThisProcess();
  host.init_binary = "/bin/sh";  // any executable stands in for tini-static here
  ShimConfig c = *BuildShimConfig(record, Paths("/state", "/run"), host);
  EXPECT_THAT(c.args, ElementsAre("/sbin/docker-init", "--", "/docker-entrypoint.sh", "nginx", "-g"));
  ASSERT_FALSE(c.container_mounts.empty());
  EXPECT_EQ(c.container_mounts.back(),
            (MountSpec{"bind", "/bin/sh", "/sbin/docker-init", {"rbind", "ro"}, false, true}));

  host.init_binary = "/nonexistent/tini-static";
  absl::StatusOr<ShimConfig> missing = BuildShimConfig(record, Paths("/state", "/run"), host);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.status().message()), ::testing::HasSubstr("tini"));
  record.mutable_config()->set_init(false);
  EXPECT_THAT(BuildShimConfig(record, Paths("/state", "/run"), host)->args,
              ElementsAre("/docker-entrypoint.sh", "nginx", "-g"));
}

TEST(SpecBuilderTest, CwdDefaultsToRootAndNoNetnsMeansNew) {
  ShimConfig c = *BuildShimConfig(Record(), Paths("/s", "/r"), HostFacts::OfThisProcess());
  EXPECT_EQ(c.cwd, "/");
  EXPECT_EQ(c.netns_path, "");
  EXPECT_FALSE(c.tty);
}

}  // namespace
}  // namespace berth::runtimed::spec
