#include "services/apid/rest/container_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/apid/create_bodies.h"

namespace berth::apid::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

TEST(ParseCreateBodyTest, RunRmBodyFromTheCli) {
  auto c = ParseCreateBody(testing::kRunRmBody);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->image(), "busybox");
  EXPECT_THAT(c->cmd(), ElementsAre("echo", "hi"));
  EXPECT_TRUE(c->entrypoint().empty());
  EXPECT_TRUE(c->auto_remove());
  EXPECT_EQ(c->network_mode(), "default");
  EXPECT_TRUE(c->attach_stdout());
  EXPECT_FALSE(c->tty());
}

TEST(ParseCreateBodyTest, RunItBodyKeepsTtyAndStdin) {
  auto c = ParseCreateBody(testing::kRunItBody);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->tty());
  EXPECT_TRUE(c->open_stdin());
  EXPECT_TRUE(c->stdin_once());
  EXPECT_TRUE(c->attach_stdin());
}

TEST(ParseCreateBodyTest, RunDBodyPublishesPorts) {
  auto c = ParseCreateBody(testing::kRunDBody);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->port_bindings_size(), 1);
  EXPECT_EQ(c->port_bindings(0).container_port(), 80u);
  EXPECT_EQ(c->port_bindings(0).protocol(), "tcp");
  EXPECT_EQ(c->port_bindings(0).host_ip(), "127.0.0.1");
  EXPECT_EQ(c->port_bindings(0).host_port(), 18090u);
  EXPECT_THAT(c->exposed_ports(), ElementsAre("80/tcp"));
}

TEST(ParseCreateBodyTest, UnsupportedNonZeroFieldsAreRefusedByName) {
  Json body = Json::parse(testing::kRunRmBody);
  body["HostConfig"]["OomScoreAdj"] = 500;
  auto c = ParseCreateBody(body.dump());
  EXPECT_EQ(c.status().message(), "HostConfig.OomScoreAdj is not supported yet");

  body = Json::parse(testing::kRunRmBody);
  body["Healthcheck"] = {{"Test", {"CMD", "true"}}, {"Shell", 1}};
  c = ParseCreateBody(body.dump());
  EXPECT_EQ(c.status().message(), "Healthcheck.Shell is not supported yet");
}

TEST(ParseCreateBodyTest, RestartPolicyAndHealthcheckAsTheDockerCliSendsThem) {
  // `docker create --memory 64m --restart on-failure:2`.
  auto c = ParseCreateBody(testing::kCreateBody);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->restart_policy().name(), "on-failure");
  EXPECT_EQ(c->restart_policy().maximum_retry_count(), 2);

  // `docker run --health-cmd 'exit 1' --health-interval 1s --health-retries 2`.
  Json body = Json::parse(testing::kRunRmBody);
  body["Healthcheck"] = {{"Test", {"CMD-SHELL", "exit 1"}},
                         {"Interval", 1000000000},
                         {"Retries", 2}};
  body["HostConfig"]["RestartPolicy"] = {{"Name", "always"}, {"MaximumRetryCount", 0}};
  c = ParseCreateBody(body.dump());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->healthcheck().test(), ElementsAre("CMD-SHELL", "exit 1"));
  EXPECT_EQ(c->healthcheck().interval_ns(), 1000000000);
  EXPECT_EQ(c->healthcheck().retries(), 2);
  EXPECT_EQ(c->restart_policy().name(), "always");

  body["HostConfig"]["RestartPolicy"] = {{"Name", 3}};
  c = ParseCreateBody(body.dump());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseCreateBodyTest, NetworkOptionsAsTheDockerCliSendsThem) {
  Json body = Json::parse(testing::kRunRmBody);
  body["MacAddress"] = "02:42:ac:11:00:09";
  body["HostConfig"]["PublishAllPorts"] = true;
  body["HostConfig"]["Dns"] = {"192.0.2.1"};
  body["HostConfig"]["DnsSearch"] = {"corp.test"};
  body["HostConfig"]["DnsOptions"] = {"ndots:2"};
  body["HostConfig"]["ExtraHosts"] = {"db:10.0.0.9", "gw:host-gateway"};
  body["HostConfig"]["Links"] = {"db:store"};
  auto c = ParseCreateBody(body.dump());
  ASSERT_TRUE(c.ok()) << c.status();
  const v1::ContainerNetworkOptions& net = c->network_options();
  EXPECT_TRUE(net.publish_all_ports());
  EXPECT_THAT(net.dns(), ElementsAre("192.0.2.1"));
  EXPECT_THAT(net.dns_search(), ElementsAre("corp.test"));
  EXPECT_THAT(net.dns_options(), ElementsAre("ndots:2"));
  EXPECT_THAT(net.extra_hosts(), ElementsAre("db:10.0.0.9", "gw:host-gateway"));
  EXPECT_THAT(net.links(), ElementsAre("db:store"));
  EXPECT_EQ(net.mac_address(), "02:42:ac:11:00:09");
  body["HostConfig"]["Dns"] = "192.0.2.1";
  EXPECT_EQ(ParseCreateBody(body.dump()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseCreateBodyTest, SecurityFieldsAsTheDockerCliSendsThem) {
  // `docker run --cap-add net_admin --cap-drop ALL --read-only --privileged
  //  --security-opt no-new-privileges --security-opt seccomp=unconfined
  //  --ulimit nofile=100:200`.
  Json body = Json::parse(testing::kRunRmBody);
  body["HostConfig"]["CapAdd"] = {"net_admin"};
  body["HostConfig"]["CapDrop"] = {"ALL"};
  body["HostConfig"]["ReadonlyRootfs"] = true;
  body["HostConfig"]["Privileged"] = true;
  body["HostConfig"]["SecurityOpt"] = {"no-new-privileges", "seccomp=unconfined"};
  body["HostConfig"]["Ulimits"] = {{{"Name", "nofile"}, {"Hard", 200}, {"Soft", 100}}};
  auto c = ParseCreateBody(body.dump());
  ASSERT_TRUE(c.ok()) << c.status();
  const v1::SecurityOptions& s = c->security();
  EXPECT_THAT(s.cap_add(), ElementsAre("net_admin"));
  EXPECT_THAT(s.cap_drop(), ElementsAre("ALL"));
  EXPECT_TRUE(s.read_only_rootfs());
  EXPECT_TRUE(s.privileged());
  EXPECT_TRUE(s.no_new_privileges());
  EXPECT_EQ(s.seccomp_profile(), "unconfined");
  ASSERT_EQ(s.ulimits_size(), 1);
  EXPECT_EQ(s.ulimits(0).name(), "nofile");
  EXPECT_EQ(s.ulimits(0).soft(), 100);
  EXPECT_EQ(s.ulimits(0).hard(), 200);
}

TEST(ParseCreateBodyTest, SeccompProfileContentTravelsAndBadOptionsAreRefused) {
  Json body = Json::parse(testing::kRunRmBody);
  body["HostConfig"]["SecurityOpt"] = {R"(seccomp={"defaultAction":"SCMP_ACT_ALLOW"})"};
  auto c = ParseCreateBody(body.dump());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->security().seccomp_profile(), R"({"defaultAction":"SCMP_ACT_ALLOW"})");

  body["HostConfig"]["SecurityOpt"] = {"apparmor=unconfined"};
  EXPECT_EQ(ParseCreateBody(body.dump()).status().message(),
            "--security-opt apparmor is not supported yet");
  body["HostConfig"]["SecurityOpt"] = {"bogus"};
  EXPECT_EQ(ParseCreateBody(body.dump()).status().code(), absl::StatusCode::kInvalidArgument);
  body["HostConfig"]["SecurityOpt"] = nullptr;
  body["HostConfig"]["CapAdd"] = "NET_ADMIN";  // not an array
  EXPECT_EQ(ParseCreateBody(body.dump()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseCreateBodyTest, LogConfigTravelsForRuntimedToValidate) {
  Json body = Json::parse(testing::kRunRmBody);
  body["HostConfig"]["LogConfig"] = {{"Type", ""}, {"Config", {{"max-size", "10m"}, {"max-file", "3"}}}};
  auto c = ParseCreateBody(body.dump());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->log_config().type(), "");
  EXPECT_EQ(c->log_config().options().at("max-size"), "10m");
  EXPECT_EQ(c->log_config().options().at("max-file"), "3");

  body["HostConfig"]["LogConfig"]["Config"] = {{"max-size", 10}};
  EXPECT_EQ(ParseCreateBody(body.dump()).status().message(),
            "invalid value for HostConfig.LogConfig.Config: expected an object of strings");
  body["HostConfig"]["LogConfig"] = {{"Type", "json-file"}, {"Extra", 1}};
  EXPECT_EQ(ParseCreateBody(body.dump()).status().message(),
            "HostConfig.LogConfig.Extra is not supported yet");
}

TEST(ParseCreateBodyTest, UnknownZeroFieldsAndDockerPySparseBodyAreFine) {
  auto c = ParseCreateBody(
      R"({"Tty":false,"OpenStdin":false,"StdinOnce":false,"AttachStdin":false,)"
      R"("AttachStdout":true,"AttachStderr":true,"Cmd":["echo","x"],"Image":"busybox",)"
      R"("NetworkDisabled":false,"HostConfig":{"NetworkMode":"default"},"GwPriority":0,)"
      R"("SomethingNew":null})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->cmd(), ElementsAre("echo", "x"));
}

TEST(ParseCreateBodyTest, RandomHostPortAndStringCmd) {
  auto c = ParseCreateBody(
      R"({"Image":"b","Cmd":"sleep 5","Entrypoint":[""],)"
      R"("HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":""}]},)"
      R"("ConsoleSize":[33,111]}})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->cmd(), ElementsAre("sleep 5"));
  EXPECT_THAT(c->entrypoint(), ElementsAre(""));
  ASSERT_EQ(c->port_bindings_size(), 1);
  EXPECT_EQ(c->port_bindings(0).host_port(), 0u);
  EXPECT_EQ(c->console_height(), 33u);
  EXPECT_EQ(c->console_width(), 111u);
}

TEST(ParseCreateBodyTest, MalformedAndMistypedBodiesAreInvalidArgument) {
  EXPECT_EQ(ParseCreateBody("{").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCreateBody("[]").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCreateBody(R"({"Tty":"yes"})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCreateBody(R"({"HostConfig":{"PortBindings":{"x/tcp":[]}}})").status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const char* bad : {"8010-8000", "0-10", "8000-70000", "8000-", "a-b", "1-2-3"}) {
    EXPECT_EQ(ParseCreateBody(std::string(R"({"HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":")") +
                              bad + R"("}]}}})")
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

// `-p 127.0.0.1:8000-8010:80` arrives as one binding with a host range;
// netd picks the port at start.
TEST(ParseCreateBodyTest, HostPortRangeForOneContainerPort) {
  auto c = ParseCreateBody(
      R"({"Image":"b","HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8000-8010"}]}}})");
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->port_bindings_size(), 1);
  EXPECT_EQ(c->port_bindings(0).host_port(), 8000u);
  EXPECT_EQ(c->port_bindings(0).host_port_end(), 8010u);
}

// The docker CLI repeats --link in the user network's endpoint settings.
TEST(ParseCreateBodyTest, EndpointLinksJoinHostConfigLinksOnce) {
  auto c = ParseCreateBody(
      R"({"Image":"b","HostConfig":{"NetworkMode":"net1","Links":["db:store"]},)"
      R"("NetworkingConfig":{"EndpointsConfig":{"net1":{"Links":["db:store","cache:c"]}}}})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->network_options().links(), ElementsAre("db:store", "cache:c"));
}

TEST(ParseCreateBodyTest, DeeplyNestedUnknownFieldIsRefusedNotACrash) {
  std::string nested;
  for (int i = 0; i < 100000; ++i) nested += "{\"a\":";
  nested += "null";
  nested += std::string(100000, '}');
  auto c = ParseCreateBody("{\"Image\":\"b\",\"X\":" + nested + "}");
  EXPECT_EQ(c.status().message(), "X is not supported yet");
}

TEST(HumanDurationTest, GoUnitsWording) {
  EXPECT_EQ(HumanDuration(absl::Milliseconds(300)), "Less than a second");
  EXPECT_EQ(HumanDuration(absl::Seconds(1)), "1 second");
  EXPECT_EQ(HumanDuration(absl::Seconds(2)), "2 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(59)), "59 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(90)), "About a minute");
  EXPECT_EQ(HumanDuration(absl::Minutes(17)), "17 minutes");
  EXPECT_EQ(HumanDuration(absl::Minutes(70)), "About an hour");
  EXPECT_EQ(HumanDuration(absl::Hours(5)), "5 hours");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 3)), "3 days");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 21)), "3 weeks");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 90)), "3 months");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 365 * 3)), "3 years");
}

TEST(StatusTextTest, DockerPsStatusColumn) {
  absl::Time now = absl::FromUnixSeconds(1000);
  v1::ContainerState s;
  s.set_status(v1::CONTAINER_STATUS_CREATED);
  EXPECT_EQ(StatusText(s, now), "Created");
  s.set_status(v1::CONTAINER_STATUS_RUNNING);
  s.mutable_started_at()->set_seconds(998);
  EXPECT_EQ(StatusText(s, now), "Up 2 seconds");
  s.set_status(v1::CONTAINER_STATUS_PAUSED);
  EXPECT_EQ(StatusText(s, now), "Up 2 seconds (Paused)");
  s.set_status(v1::CONTAINER_STATUS_EXITED);
  s.set_exit_code(3);
  s.mutable_finished_at()->set_seconds(995);
  EXPECT_EQ(StatusText(s, now), "Exited (3) 5 seconds ago");
}

v1::Container RunningContainer(bool tty) {
  v1::Container c;
  c.set_id(std::string(64, 'b'));
  c.set_name("api-x");
  c.set_image_id("sha256:img");
  c.mutable_config()->set_image("busybox");
  c.mutable_config()->set_tty(tty);
  c.mutable_config()->set_network_mode("bridge");
  c.mutable_config()->add_exposed_ports("80/tcp");
  c.mutable_config()->add_cmd("httpd");
  c.mutable_config()->add_cmd("-f");
  c.mutable_state()->set_status(v1::CONTAINER_STATUS_RUNNING);
  c.mutable_state()->set_pid(42);
  c.mutable_state()->mutable_started_at()->set_seconds(1795800647);
  c.mutable_state()->mutable_started_at()->set_nanos(644563544);
  v1::EndpointInfo* e = c.mutable_network()->add_endpoints();
  e->set_network("bridge");
  e->set_ip_address("172.29.0.2");
  e->set_prefix_len(16);
  e->set_gateway("172.29.0.1");
  v1::PortBinding* p = c.mutable_network()->add_ports();
  p->set_container_port(80);
  p->set_protocol("tcp");
  p->set_host_ip("127.0.0.1");
  p->set_host_port(18090);
  return c;
}

TEST(ContainerInspectJsonTest, CarriesTtyStateAndNetwork) {
  Json j = Json::parse(ContainerInspectJson(RunningContainer(true)));
  EXPECT_EQ(j["Name"], "/api-x");
  EXPECT_EQ(j["Config"]["Tty"], true);
  EXPECT_EQ(j["Config"]["Hostname"], std::string(12, 'b'));
  EXPECT_EQ(j["State"]["Status"], "running");
  EXPECT_EQ(j["State"]["Running"], true);
  EXPECT_EQ(j["State"]["StartedAt"], "2026-11-27T17:30:47.644563544Z");
  EXPECT_EQ(j["State"]["FinishedAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(j["Path"], "httpd");
  EXPECT_EQ(j["Args"], Json({"-f"}));
  EXPECT_EQ(j["NetworkSettings"]["IPAddress"], "172.29.0.2");
  EXPECT_EQ(j["NetworkSettings"]["Networks"]["bridge"]["Gateway"], "172.29.0.1");
  EXPECT_EQ(j["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"], "18090");
  EXPECT_EQ(j["NetworkSettings"]["Ports"]["80/tcp"][0]["HostIp"], "127.0.0.1");
  EXPECT_FALSE(Json::parse(ContainerInspectJson(RunningContainer(false)))["Config"]["Tty"]);
}

TEST(ContainerInspectJsonTest, StoppedContainerShowsNoAddresses) {
  v1::Container c = RunningContainer(false);
  c.mutable_state()->set_status(v1::CONTAINER_STATUS_EXITED);
  Json j = Json::parse(ContainerInspectJson(c));
  EXPECT_EQ(j["NetworkSettings"]["IPAddress"], "");
  EXPECT_TRUE(j["NetworkSettings"]["Ports"].empty());
  EXPECT_EQ(j["State"]["Running"], false);
}

TEST(ContainerListEntryJsonTest, PsShape) {
  absl::Time now = absl::FromUnixSeconds(1795800647 + 3);
  Json j = Json::parse(ContainerListEntryJson(RunningContainer(false), now));
  EXPECT_EQ(j["Names"], Json({"/api-x"}));
  EXPECT_EQ(j["Image"], "busybox");
  EXPECT_EQ(j["Command"], "httpd -f");
  EXPECT_EQ(j["State"], "running");
  EXPECT_EQ(j["Status"], "Up 2 seconds");
  EXPECT_EQ(j["Ports"][0]["PublicPort"], 18090);
  EXPECT_EQ(j["Ports"][0]["PrivatePort"], 80);
  EXPECT_EQ(j["HostConfig"]["NetworkMode"], "bridge");
}

}  // namespace
}  // namespace berth::apid::rest
