// `berth run` flags → ContainerSpec / RunPlan (docker's semantics).
#include "cli/run_config.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::optional<std::string> NoEnv(const std::string&) { return std::nullopt; }

RunFlags Flags(std::string image, std::vector<std::string> command = {}) {
  RunFlags f;
  f.image = std::move(image);
  f.command = std::move(command);
  return f;
}

RunPlan MustPlan(const RunFlags& flags, std::optional<ConsoleSize> console = std::nullopt) {
  auto plan = BuildRunPlan(flags, console, NoEnv);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *plan : RunPlan{};
}

TEST(BuildRunPlanTest, ForegroundDefaultsAttachOutputOnly) {
  RunPlan plan = MustPlan(Flags("busybox", {"sh", "-c", "exit 3"}));
  EXPECT_TRUE(plan.attach);
  EXPECT_FALSE(plan.wait_for_removal);
  EXPECT_EQ(plan.spec.image, "busybox");
  EXPECT_THAT(plan.spec.cmd, ElementsAre("sh", "-c", "exit 3"));
  EXPECT_THAT(plan.spec.entrypoint, IsEmpty());
  EXPECT_TRUE(plan.spec.attach_stdout);
  EXPECT_TRUE(plan.spec.attach_stderr);
  EXPECT_FALSE(plan.spec.attach_stdin);
  EXPECT_FALSE(plan.spec.open_stdin);
  EXPECT_FALSE(plan.spec.stdin_once);
  EXPECT_FALSE(plan.spec.tty);
  EXPECT_FALSE(plan.spec.auto_remove);
  EXPECT_EQ(plan.spec.network_mode, "bridge");
}

TEST(BuildRunPlanTest, InteractiveAttachesStdinOnce) {
  RunFlags f = Flags("busybox", {"cat"});
  f.interactive = true;
  RunPlan plan = MustPlan(f);
  EXPECT_TRUE(plan.spec.open_stdin);
  EXPECT_TRUE(plan.spec.attach_stdin);
  EXPECT_TRUE(plan.spec.stdin_once);
}

TEST(BuildRunPlanTest, DetachedAttachesNothing) {
  RunFlags f = Flags("busybox");
  f.detach = true;
  f.interactive = true;
  RunPlan plan = MustPlan(f);
  EXPECT_FALSE(plan.attach);
  EXPECT_FALSE(plan.spec.attach_stdin);
  EXPECT_FALSE(plan.spec.attach_stdout);
  EXPECT_FALSE(plan.spec.attach_stderr);
  // -d -i keeps stdin open for a later attach, but not "once".
  EXPECT_TRUE(plan.spec.open_stdin);
  EXPECT_FALSE(plan.spec.stdin_once);
}

TEST(BuildRunPlanTest, RemoveWaitsForRemovalInForegroundOnly) {
  RunFlags f = Flags("busybox");
  f.remove = true;
  RunPlan foreground = MustPlan(f);
  EXPECT_TRUE(foreground.spec.auto_remove);
  EXPECT_TRUE(foreground.wait_for_removal);

  f.detach = true;
  RunPlan detached = MustPlan(f);
  EXPECT_TRUE(detached.spec.auto_remove);
  EXPECT_FALSE(detached.wait_for_removal);
}

TEST(BuildRunPlanTest, TtyTakesConsoleSize) {
  RunFlags f = Flags("busybox", {"sh"});
  f.tty = true;
  f.interactive = true;
  RunPlan plan = MustPlan(f, ConsoleSize{40, 120});
  EXPECT_TRUE(plan.spec.tty);
  EXPECT_EQ(plan.spec.console_height, 40u);
  EXPECT_EQ(plan.spec.console_width, 120u);

  RunPlan unknown_size = MustPlan(f);
  EXPECT_EQ(unknown_size.spec.console_height, 0u);
  EXPECT_EQ(unknown_size.spec.console_width, 0u);
}

TEST(BuildRunPlanTest, ConsoleSizeIgnoredWithoutTty) {
  RunPlan plan = MustPlan(Flags("busybox"), ConsoleSize{40, 120});
  EXPECT_EQ(plan.spec.console_height, 0u);
  EXPECT_EQ(plan.spec.console_width, 0u);
}

TEST(BuildRunPlanTest, PublishAddsBindingsAndExposedPorts) {
  RunFlags f = Flags("nginx");
  f.publish = {"127.0.0.1:8080:80", "53/udp", "8443:443"};
  RunPlan plan = MustPlan(f);
  ASSERT_EQ(plan.spec.port_bindings.size(), 3u);
  EXPECT_EQ(plan.spec.port_bindings[0].host_ip, "127.0.0.1");
  EXPECT_EQ(plan.spec.port_bindings[0].host_port, 8080u);
  EXPECT_EQ(plan.spec.port_bindings[0].container_port, 80u);
  EXPECT_EQ(plan.spec.port_bindings[1].protocol, "udp");
  EXPECT_EQ(plan.spec.port_bindings[1].host_port, 0u);
  EXPECT_THAT(plan.spec.exposed_ports, ElementsAre("443/tcp", "53/udp", "80/tcp"));
}

TEST(BuildRunPlanTest, DuplicateExposedPortListedOnce) {
  RunFlags f = Flags("nginx");
  f.publish = {"8080:80", "127.0.0.1:9090:80"};
  RunPlan plan = MustPlan(f);
  EXPECT_EQ(plan.spec.port_bindings.size(), 2u);
  EXPECT_THAT(plan.spec.exposed_ports, ElementsAre("80/tcp"));
}

TEST(BuildRunPlanTest, EnvironmentParsedInOrder) {
  RunFlags f = Flags("busybox");
  f.env = {"A=1", "FROM_CLIENT", "B="};
  auto plan = BuildRunPlan(f, std::nullopt, [](const std::string& name) {
    return name == "FROM_CLIENT" ? std::optional<std::string>("yes") : std::nullopt;
  });
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_THAT(plan->spec.env, ElementsAre("A=1", "FROM_CLIENT=yes", "B="));
}

TEST(BuildRunPlanTest, ScalarFlagsCopied) {
  RunFlags f = Flags("busybox");
  f.name = "web";
  f.hostname = "box";
  f.network = "none";
  f.workdir = "/srv";
  f.user = "1000:1000";
  f.entrypoint = "/bin/echo";
  RunPlan plan = MustPlan(f);
  EXPECT_EQ(plan.name, "web");
  EXPECT_EQ(plan.spec.hostname, "box");
  EXPECT_EQ(plan.spec.network_mode, "none");
  EXPECT_EQ(plan.spec.working_dir, "/srv");
  EXPECT_EQ(plan.spec.user, "1000:1000");
  EXPECT_THAT(plan.spec.entrypoint, ElementsAre("/bin/echo"));
}

TEST(BuildRunPlanTest, EmptyEntrypointResetsImageEntrypoint) {
  RunFlags f = Flags("busybox");
  f.entrypoint = "";
  EXPECT_THAT(MustPlan(f).spec.entrypoint, ElementsAre(""));
}

TEST(BuildRunPlanTest, InvalidInputsRejected) {
  RunFlags bad_port = Flags("busybox");
  bad_port.publish = {"80:abc"};
  EXPECT_EQ(BuildRunPlan(bad_port, std::nullopt, NoEnv).status().code(),
            absl::StatusCode::kInvalidArgument);

  RunFlags bad_env = Flags("busybox");
  bad_env.env = {"=x"};
  EXPECT_EQ(BuildRunPlan(bad_env, std::nullopt, NoEnv).status().code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(BuildRunPlan(Flags(""), std::nullopt, NoEnv).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(BuildSecuritySpecTest, FlagsAsTheDockerCliReadsThem) {
  RunFlags f = Flags("busybox");
  f.cap_add = {"NET_ADMIN"};
  f.cap_drop = {"all"};
  f.read_only = true;
  f.security_opt = {"no-new-privileges", "seccomp=/p.json"};
  f.ulimit = {"nofile=100:200", "core=-1"};
  auto s = BuildSecuritySpec(f, [](const std::string& path) -> absl::StatusOr<std::string> {
    EXPECT_EQ(path, "/p.json");
    return std::string(R"({"defaultAction":"SCMP_ACT_ALLOW"})");
  });
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cap_add, std::vector<std::string>{"NET_ADMIN"});
  EXPECT_EQ(s->cap_drop, std::vector<std::string>{"all"});
  EXPECT_TRUE(s->read_only_rootfs);
  EXPECT_TRUE(s->no_new_privileges);
  EXPECT_EQ(s->seccomp_profile, R"({"defaultAction":"SCMP_ACT_ALLOW"})");
  ASSERT_EQ(s->ulimits.size(), 2u);
  EXPECT_EQ(s->ulimits[0].soft, 100);
  EXPECT_EQ(s->ulimits[0].hard, 200);
  EXPECT_EQ(s->ulimits[1].soft, -1);
  EXPECT_EQ(s->ulimits[1].hard, -1);
}

TEST(BuildSecuritySpecTest, BadValuesRefused) {
  for (std::vector<std::string> opts : {std::vector<std::string>{"bogus"},
                                        {"no-new-privileges=maybe"},
                                        {"apparmor=unconfined"}}) {
    RunFlags f = Flags("busybox");
    f.security_opt = opts;
    EXPECT_EQ(BuildSecuritySpec(f, nullptr).status().code(), absl::StatusCode::kInvalidArgument)
        << opts[0];
  }
  for (const char* u : {"nofile", "=1", "nofile=x", "nofile=200:100", "nofile=-5"}) {
    RunFlags f = Flags("busybox");
    f.ulimit = {u};
    EXPECT_EQ(BuildSecuritySpec(f, nullptr).status().code(), absl::StatusCode::kInvalidArgument)
        << u;
  }
  RunFlags f = Flags("busybox");
  f.security_opt = {"seccomp=/missing.json"};
  auto s = BuildSecuritySpec(f, [](const std::string&) -> absl::StatusOr<std::string> {
    return absl::NotFoundError("no such file");
  });
  EXPECT_THAT(std::string(s.status().message()), ::testing::HasSubstr("/missing.json"));
}

TEST(BuildRunPlanTest, LogOptsAreKeyValuePairsForTheDaemon) {
  RunFlags f = Flags("busybox");
  f.log_driver = "json-file";
  f.log_opts = {"max-size=10m", "max-file=3", "bare"};
  RunPlan plan = MustPlan(f);
  EXPECT_EQ(plan.spec.log_driver, "json-file");
  EXPECT_EQ(plan.spec.log_options,
            (std::map<std::string, std::string>{{"max-size", "10m"}, {"max-file", "3"}, {"bare", ""}}));
  f.log_driver = "none";
  EXPECT_EQ(BuildRunPlan(f, std::nullopt, NoEnv).status().message(),
            "invalid logging opts for driver none");
}

}  // namespace
}  // namespace berth::cli

namespace berth::cli {
namespace {

TEST(BuildRunPlanTest, NetworkOptionsExposeAndPublishAll) {
  RunFlags f = Flags("busybox");
  f.publish_all = true;
  f.expose = {"80", "81-82/udp"};
  f.publish = {"8080:80"};
  f.dns = {"192.0.2.1"};
  f.dns_search = {"corp.test"};
  f.dns_option = {"ndots:2"};
  f.add_host = {"db:10.0.0.9"};
  f.link = {"db:store"};
  f.mac_address = "02:42:ac:11:00:09";
  RunPlan plan = MustPlan(f);
  EXPECT_THAT(plan.spec.exposed_ports, ElementsAre("80/tcp", "81/udp", "82/udp"));
  const NetworkOptionsSpec& net = plan.spec.network_options;
  EXPECT_TRUE(net.publish_all_ports);
  EXPECT_THAT(net.dns, ElementsAre("192.0.2.1"));
  EXPECT_THAT(net.dns_search, ElementsAre("corp.test"));
  EXPECT_THAT(net.dns_options, ElementsAre("ndots:2"));
  EXPECT_THAT(net.extra_hosts, ElementsAre("db:10.0.0.9"));
  EXPECT_THAT(net.links, ElementsAre("db:store"));
  EXPECT_EQ(net.mac_address, "02:42:ac:11:00:09");

  f.add_host = {"nocolon"};
  EXPECT_EQ(BuildRunPlan(f, std::nullopt, NoEnv).status().message(),
            "bad format for add-host: \"nocolon\"");
  f.add_host.clear();
  f.expose = {"1:80"};
  EXPECT_FALSE(BuildRunPlan(f, std::nullopt, NoEnv).ok());
}

}  // namespace
}  // namespace berth::cli
