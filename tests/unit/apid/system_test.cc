#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "services/apid/clients/health_monitor.h"
#include "services/apid/usecases/system_service.h"
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
