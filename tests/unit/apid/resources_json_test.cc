#include "services/apid/rest/resources_json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/apid/rest/container_json.h"

namespace berth::apid::rest {
namespace {

TEST(ResourcesJsonTest, DockerCliBodyFillsEveryField) {
  // The shape `docker run --memory 32m --cpus 0.5 ...` sends.
  auto config = ParseCreateBody(R"({"Image":"busybox","Cmd":["true"],"HostConfig":{
      "Memory":33554432,"MemorySwap":-1,"MemoryReservation":16777216,"NanoCpus":500000000,
      "CpuShares":512,"CpuPeriod":0,"CpuQuota":0,"CpusetCpus":"0","CpusetMems":"",
      "PidsLimit":20,"BlkioWeight":300,"OomKillDisable":true,"ShmSize":134217728,
      "KernelMemory":0,"MemorySwappiness":-1}})");
  ASSERT_TRUE(config.ok()) << config.status();
  const v1::Resources& r = config->resources();
  EXPECT_EQ(r.memory(), 33554432);
  EXPECT_EQ(r.memory_swap(), -1);
  EXPECT_EQ(r.memory_reservation(), 16777216);
  EXPECT_EQ(r.nano_cpus(), 500000000);
  EXPECT_EQ(r.cpu_shares(), 512);
  EXPECT_EQ(r.cpuset_cpus(), "0");
  EXPECT_EQ(r.pids_limit(), 20);
  EXPECT_EQ(r.blkio_weight(), 300u);
  EXPECT_TRUE(r.oom_kill_disable());
  EXPECT_EQ(r.shm_size(), 134217728);
}

TEST(ResourcesJsonTest, PidsLimitNullOrZeroIsDefaultAndNegativeIsUnlimited) {
  // The docker CLI sends 0 (or null) when --pids-limit is not given: both keep
  // runtimed's default limit, which a fork bomb must meet.
  v1::Resources r;
  ASSERT_TRUE(ParseResources(nlohmann::json::parse(R"({"PidsLimit":null})"), &r).ok());
  EXPECT_EQ(r.pids_limit(), 0);
  ASSERT_TRUE(ParseResources(nlohmann::json::parse(R"({"PidsLimit":0})"), &r).ok());
  EXPECT_EQ(r.pids_limit(), 0);
  ASSERT_TRUE(ParseResources(nlohmann::json::parse(R"({"PidsLimit":-1})"), &r).ok());
  EXPECT_EQ(r.pids_limit(), -1);
}

TEST(ResourcesJsonTest, WrongTypesAreNamed) {
  v1::Resources r;
  absl::Status s = ParseResources(nlohmann::json::parse(R"({"Memory":"32m"})"), &r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("HostConfig.Memory"));
  EXPECT_FALSE(ParseResources(nlohmann::json::parse(R"({"OomKillDisable":1})"), &r).ok());
  EXPECT_FALSE(ParseResources(nlohmann::json::parse(R"({"CpusetCpus":1})"), &r).ok());
}

TEST(ResourcesJsonTest, InspectShowsWhatWasAskedAndDockersDefaults) {
  v1::Resources r;
  nlohmann::ordered_json hc;
  WriteResources(r, hc);
  EXPECT_EQ(hc["ShmSize"], 67108864);
  EXPECT_TRUE(hc["PidsLimit"].is_null());
  r.set_memory(32 << 20);
  r.set_pids_limit(20);
  WriteResources(r, hc);
  EXPECT_EQ(hc["Memory"], 33554432);
  EXPECT_EQ(hc["MemorySwap"], 67108864);
  EXPECT_EQ(hc["PidsLimit"], 20);
}

}  // namespace
}  // namespace berth::apid::rest
