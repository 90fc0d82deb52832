#include "services/netd/endpoint_store.h"

#include <fstream>

#include "gtest/gtest.h"
#include "test_util.h"

namespace berth::netd {
namespace {

EndpointRecord Sample(const std::string& id) {
  EndpointRecord r;
  r.container_id = id;
  r.container_name = "web";
  r.hostname = "abc";
  r.mode = "bridge";
  r.state = EndpointState::kActive;
  r.netns_path = "/run/berth/netd/netns/" + id;
  InterfaceRecord eth0;
  eth0.network_id = "n1";
  eth0.network_name = "bridge";
  eth0.ifname = "eth0";
  eth0.endpoint_id = "e1";
  eth0.aliases = {"w", "web1"};
  eth0.ip_address = "172.29.0.2";
  eth0.prefix_len = 16;
  eth0.gateway = "172.29.0.1";
  eth0.default_route = true;
  eth0.mac_address = "02:42:ac:1d:00:02";
  eth0.host_veth = "vb0123456789";
  InterfaceRecord eth1 = eth0;
  eth1.network_id = "n2";
  eth1.network_name = "backend";
  eth1.ifname = "eth1";
  eth1.ip_address = "10.1.0.2";
  eth1.default_route = false;
  eth1.host_veth = "vb0123456789x1";
  r.interfaces = {eth0, eth1};
  r.ports = {{"tcp", "", 8080, 80}, {"udp", "127.0.0.1", 5353, 53}};
  return r;
}

TEST(EndpointStoreTest, JsonRoundTrip) {
  EndpointRecord record = Sample("c1");
  auto parsed = EndpointStore::FromJson(EndpointStore::ToJson(record));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, record);
  record.state = EndpointState::kCreating;
  EXPECT_EQ(*EndpointStore::FromJson(EndpointStore::ToJson(record)), record);
}

TEST(EndpointStoreTest, PutLoadDelete) {
  testing::TempDir dir;
  EndpointStore store(dir.path() + "/endpoints");
  auto empty = store.LoadAll();
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  NETD_ASSERT_OK(store.Put(Sample("b")));
  NETD_ASSERT_OK(store.Put(Sample("a")));
  // An interrupted atomic write leaves a temp file that is not a record.
  std::ofstream(dir.path() + "/endpoints/c.json.tmp.123") << "{";
  auto all = store.LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], Sample("a"));
  EXPECT_EQ((*all)[1], Sample("b"));

  NETD_ASSERT_OK(store.Delete("a"));
  NETD_ASSERT_OK(store.Delete("a"));
  EXPECT_EQ(store.LoadAll()->size(), 1u);
}

TEST(EndpointStoreTest, CorruptRecordIsDataLossNamingTheFile) {
  testing::TempDir dir;
  EndpointStore store(dir.path());
  std::ofstream(dir.path() + "/bad.json") << R"({"version":1,"container_id":5})";
  auto all = store.LoadAll();
  EXPECT_TRUE(absl::IsDataLoss(all.status())) << all.status();
  EXPECT_NE(all.status().message().find("bad.json"), std::string::npos);
  EXPECT_TRUE(absl::IsFailedPrecondition(EndpointStore::FromJson(R"({"version":9})").status()));
}

}  // namespace
}  // namespace berth::netd
