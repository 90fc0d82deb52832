#include "services/apid/usecases/config_merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace berth::apid {
namespace {

using ::testing::ElementsAre;

v1::ImageConfig Image() {
  v1::ImageConfig i;
  i.add_entrypoint("/entry");
  i.add_cmd("serve");
  i.add_cmd("--port=80");
  i.add_env("PATH=/usr/bin:/bin");
  i.add_env("MODE=prod");
  i.set_working_dir("/app");
  i.set_user("app");
  i.add_exposed_ports("80/tcp");
  (*i.mutable_labels())["a"] = "image";
  return i;
}

TEST(MergeImageConfigTest, NothingGivenKeepsImageDefaults) {
  auto m = MergeImageConfig(Image(), v1::ContainerConfig());
  ASSERT_TRUE(m.ok());
  EXPECT_THAT(m->entrypoint(), ElementsAre("/entry"));
  EXPECT_THAT(m->cmd(), ElementsAre("serve", "--port=80"));
  EXPECT_EQ(m->working_dir(), "/app");
  EXPECT_EQ(m->user(), "app");
  EXPECT_THAT(m->exposed_ports(), ElementsAre("80/tcp"));
}

TEST(MergeImageConfigTest, RequestCmdReplacesImageCmdButKeepsEntrypoint) {
  v1::ContainerConfig r;
  r.add_cmd("debug");
  auto m = MergeImageConfig(Image(), r);
  ASSERT_TRUE(m.ok());
  EXPECT_THAT(m->entrypoint(), ElementsAre("/entry"));
  EXPECT_THAT(m->cmd(), ElementsAre("debug"));
}

TEST(MergeImageConfigTest, RequestEntrypointDropsImageCmd) {
  v1::ContainerConfig r;
  r.add_entrypoint("/bin/sh");
  auto m = MergeImageConfig(Image(), r);
  ASSERT_TRUE(m.ok());
  EXPECT_THAT(m->entrypoint(), ElementsAre("/bin/sh"));
  EXPECT_TRUE(m->cmd().empty());
}

TEST(MergeImageConfigTest, RequestEntrypointWithCmdUsesBoth) {
  v1::ContainerConfig r;
  r.add_entrypoint("/bin/sh");
  r.add_cmd("-c");
  r.add_cmd("true");
  auto m = MergeImageConfig(Image(), r);
  ASSERT_TRUE(m.ok());
  EXPECT_THAT(m->entrypoint(), ElementsAre("/bin/sh"));
  EXPECT_THAT(m->cmd(), ElementsAre("-c", "true"));
}

TEST(MergeImageConfigTest, EmptyEntrypointResetsIt) {
  v1::ContainerConfig r;
  r.add_entrypoint("");
  r.add_cmd("ls");
  auto m = MergeImageConfig(Image(), r);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->entrypoint().empty());
  EXPECT_THAT(m->cmd(), ElementsAre("ls"));
}

TEST(MergeImageConfigTest, NoCommandAtAllIsRefused) {
  v1::ImageConfig bare;
  auto m = MergeImageConfig(bare, v1::ContainerConfig());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(), "No command specified");
}

TEST(MergeImageConfigTest, RequestEnvWinsPerKeyInPlaceAndAppendsNewKeys) {
  v1::ContainerConfig r;
  r.add_env("MODE=dev");
  r.add_env("EXTRA=1");
  auto m = MergeImageConfig(Image(), r);
  ASSERT_TRUE(m.ok());
  EXPECT_THAT(m->env(), ElementsAre("PATH=/usr/bin:/bin", "MODE=dev", "EXTRA=1"));
}

TEST(MergeImageConfigTest, RequestScalarsAndLabelsWin) {
  v1::ContainerConfig r;
  r.set_working_dir("/tmp");
  r.set_user("root");
  (*r.mutable_labels())["a"] = "request";
  (*r.mutable_labels())["b"] = "x";
  r.add_exposed_ports("443/tcp");
  auto m = MergeImageConfig(Image(), r);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->working_dir(), "/tmp");
  EXPECT_EQ(m->user(), "root");
  EXPECT_EQ(m->labels().at("a"), "request");
  EXPECT_EQ(m->labels().at("b"), "x");
  EXPECT_THAT(m->exposed_ports(), ElementsAre("443/tcp", "80/tcp"));
}

TEST(NetworkModeTest, DefaultAndBridgeAndNone) {
  EXPECT_EQ(*NormalizeNetworkMode(""), "bridge");
  EXPECT_EQ(*NormalizeNetworkMode("default"), "bridge");
  EXPECT_EQ(*NormalizeNetworkMode("bridge"), "bridge");
  EXPECT_EQ(*NormalizeNetworkMode("none"), "none");
  EXPECT_EQ(*NormalizeNetworkMode("host"), "host");
  EXPECT_EQ(*NormalizeNetworkMode("container:abc"), "container:abc");
  EXPECT_EQ(NormalizeNetworkMode("container:").status().message(),
            "Invalid network mode: invalid container format container:<name|id>");
}

TEST(NetworkOptionsTest, DockersConflictsAndWarnings) {
  auto check = [](const std::string& mode, auto edit) {
    v1::ContainerConfig c;
    edit(c);
    return CheckNetworkOptions(c, mode);
  };
  auto message = [&](const std::string& mode, auto edit) {
    return std::string(check(mode, edit).status().message());
  };
  EXPECT_EQ(message("container:x", [](v1::ContainerConfig& c) { c.set_hostname("h"); }),
            "conflicting options: hostname and the network mode");
  EXPECT_EQ(message("container:x",
                    [](v1::ContainerConfig& c) { c.mutable_network_options()->add_dns("1.1.1.1"); }),
            "conflicting options: dns and the network mode");
  EXPECT_EQ(message("container:x",
                    [](v1::ContainerConfig& c) { c.add_port_bindings()->set_container_port(80); }),
            "conflicting options: port publishing and the container type network mode");
  EXPECT_EQ(message("container:x", [](v1::ContainerConfig& c) { c.add_exposed_ports("80/tcp"); }),
            "conflicting options: port exposing and the container type network mode");
  EXPECT_EQ(message("container:x",
                    [](v1::ContainerConfig& c) { c.mutable_network_options()->add_extra_hosts("a:1.2.3.4"); }),
            "conflicting options: custom host-to-IP mapping and the network mode");
  EXPECT_EQ(message("host", [](v1::ContainerConfig& c) {
              c.mutable_network_options()->set_mac_address("02:42:00:00:00:01");
            }),
            "conflicting options: mac-address and the network mode");
  EXPECT_EQ(message("host", [](v1::ContainerConfig& c) { c.mutable_network_options()->add_links("db"); }),
            "conflicting options: host type networking can't be used with links. This would "
            "result in undefined behavior");
  EXPECT_EQ(message("bridge", [](v1::ContainerConfig& c) { c.mutable_network_options()->add_dns("x"); }),
            "x is not an ip address");
  auto warnings = check("host", [](v1::ContainerConfig& c) { c.add_port_bindings(); });
  ASSERT_TRUE(warnings.ok());
  EXPECT_THAT(*warnings,
              ::testing::ElementsAre("Published ports are discarded when using host network mode"));
  EXPECT_TRUE(check("bridge", [](v1::ContainerConfig& c) {
                c.mutable_network_options()->add_links("db:alias");
                c.mutable_network_options()->add_dns("fd00::1");
              })->empty());
  // On a user network a link is a DNS alias; with none there is nothing.
  EXPECT_TRUE(check("appnet", [](v1::ContainerConfig& c) {
                c.mutable_network_options()->add_links("db:alias");
              })->empty());
  EXPECT_EQ(message("none", [](v1::ContainerConfig& c) { c.mutable_network_options()->add_links("db"); }),
            "conflicting options: --link and network mode none");
}

TEST(ContainerNameTest, DockerRules) {
  EXPECT_EQ(*NormalizeContainerName("/api-x"), "api-x");
  EXPECT_EQ(*NormalizeContainerName(""), "");
  EXPECT_EQ(*NormalizeContainerName("a.b_c-1"), "a.b_c-1");
  EXPECT_FALSE(NormalizeContainerName("-x").ok());
  EXPECT_FALSE(NormalizeContainerName("a").ok());
  EXPECT_FALSE(NormalizeContainerName("a b").ok());
  EXPECT_FALSE(NormalizeContainerName("a/b").ok());
}

TEST(EffectiveHostnameTest, ShortIdUnlessConfigured) {
  v1::ContainerConfig c;
  EXPECT_EQ(EffectiveHostname(c, std::string(64, 'f')), std::string(12, 'f'));
  c.set_hostname("web");
  EXPECT_EQ(EffectiveHostname(c, std::string(64, 'f')), "web");
}

}  // namespace
}  // namespace berth::apid
