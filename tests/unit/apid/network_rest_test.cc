// The /networks routes and their JSON over the fake netd: Docker's bodies in,
// Docker's fields out, refusals for what Berth does not support, filters,
// and EndpointsConfig reaching the container's config.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rest_fixture.h"
#include "services/apid/rest/network_json.h"

namespace berth::apid::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What `docker network create --subnet 10.1.2.0/24 --label a=b front` sends.
constexpr char kCliCreate[] =
    R"({"Driver":"bridge","Scope":"","IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.1.2.0/24"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,"Options":{},"Labels":{"a":"b"},"Name":"front","CheckDuplicate":true})";

TEST(NetworkJsonTest, ParsesTheCliBodyAndRefusesWhatIsNotSupported) {
  auto request = ParseNetworkCreate(kCliCreate);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->name(), "front");
  EXPECT_EQ(request->subnet(), "10.1.2.0/24");
  EXPECT_EQ(request->labels().at("a"), "b");
  EXPECT_EQ(ParseNetworkCreate(R"({"Name":"x","EnableIPv6":true})").status().message(),
            "EnableIPv6 is not supported yet");
  EXPECT_EQ(ParseNetworkCreate(R"({"Name":"x","IPAM":{"Driver":"dhcp"}})").status().message(),
            "IPAM.Driver is not supported yet");
  EXPECT_TRUE(absl::IsInvalidArgument(ParseNetworkCreate(R"({"Driver":"bridge"})").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseNetworkCreate("[1]").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParseNetworkCreate(R"({"Name":"x","IPAM":{"Config":[{"Subnet":"10.0.0.0/24"},{"Subnet":"fd00::/64"}]}})")
          .status()));
}

TEST(NetworkJsonTest, ConnectBodyTakesAliasesAndAddressOnly) {
  auto body = ParseConnectBody(
      R"({"Container":"web","EndpointConfig":{"Aliases":["a"],"IPAMConfig":{"IPv4Address":"10.1.2.9"},"NetworkID":"","GlobalIPv6PrefixLen":0}})");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->container, "web");
  EXPECT_THAT(body->settings.aliases(), ElementsAre("a"));
  EXPECT_EQ(body->settings.ipv4_address(), "10.1.2.9");
  EXPECT_EQ(ParseConnectBody(R"({"Container":"web","EndpointConfig":{"MacAddress":"02:42:00:00:00:01"}})")
                .status()
                .message(),
            "EndpointConfig.MacAddress is not supported yet");
  EXPECT_TRUE(absl::IsInvalidArgument(ParseConnectBody("{}").status()));
}

TEST(NetworkJsonTest, InspectHasDockersFields) {
  v1::Network n;
  n.set_id(std::string(64, 'a'));
  n.set_name("front");
  n.set_driver("bridge");
  n.set_subnet("10.1.2.0/24");
  n.set_gateway("10.1.2.1");
  n.set_bridge("br-aaaaaaaaaaaa");
  n.set_internal(true);
  auto* m = n.add_containers();
  m->set_container_id("c1");
  m->set_container_name("web");
  m->set_ipv4_address("10.1.2.2/24");
  nlohmann::ordered_json j = NetworkJson(n);
  for (const char* key : {"Name", "Id", "Created", "Scope", "Driver", "EnableIPv6", "IPAM",
                          "Internal", "Attachable", "Containers", "Options", "Labels"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["IPAM"]["Config"][0]["Subnet"], "10.1.2.0/24");
  EXPECT_EQ(j["Containers"]["c1"]["IPv4Address"], "10.1.2.2/24");
  EXPECT_EQ(j["Options"]["com.docker.network.bridge.name"], "br-aaaaaaaaaaaa");
  EXPECT_EQ(j["Internal"], true);
  EXPECT_EQ(j["Created"], "0001-01-01T00:00:00Z");
}

TEST_F(RestHandlersTest, NetworksCreateListInspectFilterRemove) {
  RecordingExchange created = Call("POST", "/networks/create", "", kCliCreate);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = nlohmann::json::parse(created.body)["Id"];
  EXPECT_EQ(id.size(), 64u);
  RecordingExchange list = Call("GET", "/networks", "filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(nlohmann::json::parse(list.body).size(), 1u);
  list = Call("GET", "/networks", "filters=%7B%22label%22%3A%5B%22a%3Dc%22%5D%7D");
  EXPECT_EQ(nlohmann::json::parse(list.body).size(), 0u);
  EXPECT_EQ(Call("GET", "/networks", "filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D").status, 400);
  RecordingExchange inspect = Call("GET", "/networks/front");
  ASSERT_EQ(inspect.status, 200);
  EXPECT_EQ(nlohmann::json::parse(inspect.body)["Id"], id);
  EXPECT_EQ(Call("GET", "/networks/nope").status, 404);
  EXPECT_EQ(Call("DELETE", "/networks/front").status, 204);
  EXPECT_EQ(Call("DELETE", "/networks/front").status, 404);
  EXPECT_THAT(log_, ::testing::Contains("netd.RemoveNetwork front"));
}

TEST_F(RestHandlersTest, PruneRemovesOnlyUnusedUserNetworks) {
  netd_.networks.resize(3);
  netd_.networks[0].set_name("bridge");
  netd_.networks[0].set_predefined(true);
  netd_.networks[1].set_name("busy");
  netd_.networks[1].set_id("busy");
  netd_.networks[1].add_containers()->set_container_id("c1");
  netd_.networks[2].set_name("idle");
  netd_.networks[2].set_id("idle");
  RecordingExchange pruned = Call("POST", "/networks/prune");
  ASSERT_EQ(pruned.status, 200) << pruned.body;
  EXPECT_EQ(nlohmann::json::parse(pruned.body)["NetworksDeleted"], nlohmann::json({"idle"}));
  EXPECT_EQ(netd_.networks.size(), 2u);
}

TEST_F(RestHandlersTest, ConnectNeedsARunningContainerAndAnExistingNetwork) {
  v1::CreateNetworkRequest create;
  create.set_name("front");
  ASSERT_TRUE(netd_.CreateNetwork(create).ok());
  EXPECT_EQ(Call("POST", "/networks/nope/connect", "", R"({"Container":"web"})").status, 404);
  EXPECT_EQ(Call("POST", "/networks/front/connect", "", R"({"Container":"nobody"})").status, 404);
}

TEST_F(RestHandlersTest, CreateOnAUserNetworkKeepsAliasesAndAddress) {
  v1::CreateNetworkRequest create;
  create.set_name("front");
  ASSERT_TRUE(netd_.CreateNetwork(create).ok());
  const std::string body =
      R"({"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"front"},"NetworkingConfig":{"EndpointsConfig":{"front":{"Aliases":["www"],"IPAMConfig":{"IPv4Address":"10.1.2.9"}}}}})";
  RecordingExchange ex = Call("POST", "/containers/create", "name=web", body);
  ASSERT_EQ(ex.status, 201) << ex.body;
  const v1::ContainerConfig& config = runtimed_.last_create.config();
  EXPECT_EQ(config.network_mode(), "front");
  ASSERT_EQ(config.networks_size(), 1);
  EXPECT_THAT(config.networks(0).aliases(), ElementsAre("www"));
  EXPECT_EQ(config.networks(0).ipv4_address(), "10.1.2.9");
  // A network that does not exist is Docker's 404 at create.
  ex = Call("POST", "/containers/create", "name=web2",
            R"({"Image":"busybox","HostConfig":{"NetworkMode":"nope"}})");
  EXPECT_EQ(ex.status, 404);
  EXPECT_THAT(ex.body, HasSubstr("network nope not found"));
}

}  // namespace
}  // namespace berth::apid::rest
