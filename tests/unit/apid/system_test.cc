#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "services/apid/clients/health_monitor.h"
#include "services/apid/usecases/system_service.h"
#include "services/apid/rest/disk_usage_json.h"
#include "services/apid/rest/system_json.h"
#include "services/apid/system_info.h"
#include "common/fs/fs.h"
#include "tests/unit/apid/fakes.h"

namespace berth::apid {
namespace {

TEST(ParseCgroupVersionTest, HybridIsV1PureV2IsV2) {
  const std::string hybrid =
      "30 25 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
      "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
  EXPECT_EQ(ParseCgroupVersion(hybrid), "1");
  EXPECT_EQ(ParseCgroupVersion("30 25 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw\n"),
            "2");
  EXPECT_EQ(ParseCgroupVersion("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"), "");
}

TEST(OsReleaseTest, QuotedAndPlainValues) {
  const std::string text = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\n";
  EXPECT_EQ(OsReleaseValue(text, "PRETTY_NAME"), "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(OsReleaseValue(text, "ID"), "debian");
  EXPECT_EQ(OsReleaseValue(text, "VERSION"), "");
}

TEST(GoArchTest, DockerSpelling) {
  EXPECT_EQ(GoArch("x86_64"), "amd64");
  EXPECT_EQ(GoArch("aarch64"), "arm64");
}

TEST(SystemServiceTest, InfoWithBackendsDownStillAnswersWithWarnings) {
  testing::CallLog log;
  testing::FakeImaged imaged(log);
  testing::FakeRuntimed runtimed(log);
  HealthMonitor health({{"imaged", [] { return absl::OkStatus(); }},
                        {"runtimed", [] { return absl::UnavailableError("connection refused"); }}},
                       nullptr);
  HostFacts facts;
  facts.kernel_version = "6.1";
  facts.go_arch = "amd64";
  SystemService system(facts, "engine-id", "/var/lib/berth", imaged, runtimed, health);
  InfoResult r = system.Info();
  ASSERT_EQ(r.info.services_size(), 2);
  EXPECT_TRUE(r.info.services(0).serving());
  EXPECT_FALSE(r.info.services(1).serving());
  EXPECT_EQ(r.info.services(1).error(), "connection refused");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("runtimed"), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(rest::InfoJson(r.info, facts, r.warnings));
  EXPECT_EQ(j["Swarm"]["LocalNodeState"], "inactive");
  EXPECT_EQ(j["ID"], "engine-id");
  EXPECT_EQ(j["Warnings"].size(), 1u);
}

// docker system df: images with the containers made from each and the
// bytes they share, every container (writable layer; none here), every
// volume sized; the REST answer in API 1.41's shape.
TEST(SystemServiceTest, DiskUsageJoinsImagedAndRuntimedAnswers) {
  testing::CallLog log;
  testing::FakeImaged imaged(log);
  testing::FakeRuntimed runtimed(log);
  HealthMonitor health({}, nullptr);
  v1::Image busybox;
  busybox.set_id("sha256:bb");
  busybox.set_size(4000);
  imaged.images["busybox"] = busybox;
  imaged.layer_usage.set_layers_size(4000);
  (*imaged.layer_usage.mutable_shared_size())["sha256:bb"] = 1000;
  for (const char* id : {"c1", "c2"}) {
    v1::Container& c = runtimed.containers[id];
    c.set_id(id);
    c.set_image_id("sha256:bb");
    c.mutable_state()->set_status(v1::CONTAINER_STATUS_EXITED);
  }
  v1::Volume volume;
  volume.set_name("data");
  volume.set_size(123);
  volume.add_used_by("c1");
  runtimed.volumes.push_back(volume);
  SystemService system(HostFacts(), "engine-id", "/var/lib/berth", imaged, runtimed, health);

  absl::StatusOr<v1::DiskUsageResponse> usage = system.DiskUsage();
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ(usage->layers_size(), 4000);
  ASSERT_EQ(usage->images_size(), 1);
  EXPECT_EQ(usage->images(0).containers(), 2);
  EXPECT_EQ(usage->images(0).shared_size(), 1000);
  ASSERT_EQ(usage->containers_size(), 2);
  EXPECT_EQ(usage->containers(0).size_rw(), 0);
  EXPECT_EQ(usage->containers(0).size_root_fs(), 4000);
  ASSERT_EQ(usage->volumes_size(), 1);
  EXPECT_EQ(usage->volumes(0).size(), 123);

  nlohmann::json j = nlohmann::json::parse(rest::DiskUsageJson(*usage, absl::Now()));
  EXPECT_EQ(j["LayersSize"], 4000);
  EXPECT_EQ(j["Images"][0]["Containers"], 2);
  EXPECT_EQ(j["Images"][0]["SharedSize"], 1000);
  EXPECT_EQ(j["Containers"][1]["SizeRootFs"], 4000);
  EXPECT_EQ(j["Volumes"][0]["UsageData"]["Size"], 123);
  EXPECT_EQ(j["Volumes"][0]["UsageData"]["RefCount"], 1);
  EXPECT_TRUE(j["BuildCache"].is_array());
}

TEST(SystemServiceTest, DiskUsageIsUnavailableWhileImagedIsDown) {
  testing::CallLog log;
  testing::FakeImaged imaged(log);
  testing::FakeRuntimed runtimed(log);
  HealthMonitor health({}, nullptr);
  imaged.layer_usage_error = absl::UnavailableError("imaged is down");
  SystemService system(HostFacts(), "engine-id", "/var/lib/berth", imaged, runtimed, health);
  EXPECT_EQ(system.DiskUsage().status().code(), absl::StatusCode::kUnavailable);
}

TEST(SystemServiceTest, VersionJsonNamesTheBerthEngine) {
  testing::CallLog log;
  testing::FakeImaged imaged(log);
  testing::FakeRuntimed runtimed(log);
  HealthMonitor health({}, nullptr);
  HostFacts facts;
  facts.kernel_version = "6.1";
  facts.go_arch = "amd64";
  SystemService system(facts, "id", "/x", imaged, runtimed, health);
  nlohmann::json j =
      nlohmann::json::parse(rest::VersionJson(system.Version(), facts, "2026-01-01T00:00:00Z"));
  EXPECT_EQ(j["Platform"]["Name"], "Berth Engine");
  EXPECT_EQ(j["ApiVersion"], "1.41");
  EXPECT_EQ(j["MinAPIVersion"], "1.12");
  EXPECT_EQ(j["Components"][0]["Name"], "Engine");
  EXPECT_EQ(j["Components"][0]["Details"]["ApiVersion"], "1.41");
  EXPECT_EQ(j["Arch"], "amd64");
}

TEST(OpenStateDirTest, StampsANewDirAndRefusesANewerOneBeforeTheEngineIdIsRead) {
  char tmpl[] = "/tmp/berth-apid-state-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string top = tmpl;
  const std::string dir = top + "/apid";
  ASSERT_TRUE(OpenStateDir(dir).ok());
  EXPECT_EQ(*fs::ReadFile(dir + "/VERSION"), "1\n");
  ASSERT_TRUE(LoadOrCreateEngineId(dir).ok());
  ASSERT_TRUE(OpenStateDir(dir).ok());  // a restart accepts its own dir

  ASSERT_TRUE(fs::WriteFileAtomically(dir + "/VERSION", "2\n").ok());
  absl::Status refused = OpenStateDir(dir);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("'" + dir + "'"), std::string::npos) << refused;
  EXPECT_NE(refused.message().find("apid supports version 1"), std::string::npos) << refused;
  std::filesystem::remove_all(top);
}

}  // namespace
}  // namespace berth::apid
