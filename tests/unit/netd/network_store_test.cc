#include "services/netd/network_store.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "test_util.h"

namespace berth::netd {
namespace {

NetworkRecord Sample(const std::string& id, const std::string& name) {
  NetworkRecord r;
  r.id = id;
  r.name = name;
  r.subnet = "10.20.0.0/24";
  r.gateway = "10.20.0.254";
  r.ip_range = "10.20.0.16/28";
  r.bridge = "br-" + id;
  r.internal = true;
  r.attachable = true;
  r.mtu = 1400;
  r.labels = {{"com.example", "x"}};
  r.options = {{"com.docker.network.driver.mtu", "1400"}};
  r.created = "2026-12-01T00:00:00.000000001Z";
  return r;
}

TEST(NetworkStoreTest, JsonRoundTrip) {
  NetworkRecord record = Sample("n1", "front");
  auto parsed = NetworkStore::FromJson(NetworkStore::ToJson(record));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, record);
}

TEST(NetworkStoreTest, PutLoadDeleteSortedByName) {
  testing::TempDir dir;
  NetworkStore store(dir.path() + "/networks");
  auto empty = store.LoadAll();
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  NETD_ASSERT_OK(store.Put(Sample("n1", "zeta")));
  NETD_ASSERT_OK(store.Put(Sample("n2", "alpha")));
  // A temp file left by an interrupted atomic write is not a record.
  std::ofstream(dir.path() + "/networks/n3.json.tmp.1") << "{";
  auto all = store.LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "alpha");
  NETD_ASSERT_OK(store.Delete("n2"));
  NETD_ASSERT_OK(store.Delete("n2"));
  EXPECT_EQ(store.LoadAll()->size(), 1u);
}

TEST(NetworkStoreTest, CorruptOrNewerRecordsAreRefusedNamingTheFile) {
  EXPECT_TRUE(absl::IsDataLoss(NetworkStore::FromJson("[]").status()));
  EXPECT_TRUE(absl::IsDataLoss(NetworkStore::FromJson("{\"version\":1,\"id\":3}").status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(NetworkStore::FromJson("{\"version\":9}").status()));
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/n");
  std::ofstream(dir.path() + "/n/bad.json") << "not json";
  auto all = NetworkStore(dir.path() + "/n").LoadAll();
  EXPECT_TRUE(absl::IsDataLoss(all.status()));
  EXPECT_NE(all.status().message().find("bad.json"), std::string::npos);
}

}  // namespace
}  // namespace berth::netd
