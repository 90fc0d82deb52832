// Docker's storage JSON fields ↔ berth.v1 (no daemon): what the docker CLI
// sends for -v/--mount/--tmpfs/--volumes-from, inspect's Mounts, and the
// volume bodies and filters.
#include "services/apid/rest/mounts_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "services/apid/rest/container_json.h"
#include "services/apid/rest/volume_json.h"

namespace berth::apid::rest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(MountsJsonTest, CreateBodyWithEveryStorageField) {
  auto c = ParseCreateBody(R"json({"Image":"busybox","Cmd":["true"],
    "Volumes":{"/anon":{}},
    "HostConfig":{"Binds":["data:/data:ro","/srv:/srv"],"VolumesFrom":["web:ro"],
      "Tmpfs":{"/run":"size=1m"},"VolumeDriver":"",
      "Mounts":[{"Type":"bind","Source":"/h","Target":"/b","ReadOnly":true,
                 "BindOptions":{"Propagation":"rslave"}},
                {"Type":"volume","Source":"v","Target":"/v",
                 "VolumeOptions":{"NoCopy":true,"Labels":{"a":"b"},
                                  "DriverConfig":{"Name":"local"}}},
                {"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1048576,"Mode":448}}]}})json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->volumes(), ElementsAre("/anon"));
  EXPECT_THAT(c->binds(), ElementsAre("data:/data:ro", "/srv:/srv"));
  EXPECT_THAT(c->volumes_from(), ElementsAre("web:ro"));
  EXPECT_THAT(c->tmpfs(), UnorderedElementsAre(Pair("/run", "size=1m")));
  ASSERT_EQ(c->mounts_size(), 3);
  EXPECT_EQ(c->mounts(0).propagation(), "rslave");
  EXPECT_TRUE(c->mounts(0).read_only());
  EXPECT_TRUE(c->mounts(1).no_copy());
  EXPECT_EQ(c->mounts(1).volume_labels().at("a"), "b");
  EXPECT_EQ(c->mounts(2).tmpfs_size(), 1048576);
  EXPECT_EQ(c->mounts(2).tmpfs_mode(), 0700u);
}

TEST(MountsJsonTest, RefusesOtherDriversAndWrongTypes) {
  EXPECT_THAT(std::string(ParseCreateBody(R"({"Image":"b","HostConfig":{"VolumeDriver":"nfs"}})")
                              .status()
                              .message()),
              HasSubstr("only \"local\""));
  auto driver = ParseCreateBody(R"json({"Image":"b","HostConfig":{"Mounts":[{"Type":"volume",
    "Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"nfs","Options":{"o":"x"}}}}]}})json");
  EXPECT_EQ(driver.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCreateBody(R"({"Image":"b","HostConfig":{"Binds":"x:/y"}})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCreateBody(R"({"Image":"b","HostConfig":{"Tmpfs":{"/r":1}}})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCreateBody(R"({"Image":"b","HostConfig":{"Mounts":[{"Type":"bind",
    "Target":"/b","BindOptions":{"CreateMountpoint":true}}]}})").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MountsJsonTest, InspectMountsAsDockerShowsThem) {
  v1::Container c;
  v1::MountPoint* v = c.add_mounts();
  v->set_type("volume");
  v->set_name("data");
  v->set_source("/var/lib/berth/runtimed/volumes/data/_data");
  v->set_destination("/data");
  v->set_driver("local");
  v->set_mode("z");
  v->set_rw(true);
  v1::MountPoint* b = c.add_mounts();
  b->set_type("bind");
  b->set_source("/srv");
  b->set_destination("/srv");
  b->set_propagation("rprivate");
  nlohmann::ordered_json j = MountPointsJson(c);
  EXPECT_EQ(j.dump(),
            R"([{"Type":"volume","Name":"data","Source":"/var/lib/berth/runtimed/volumes/data/_data",)"
            R"("Destination":"/data","Driver":"local","Mode":"z","RW":true,"Propagation":""},)"
            R"({"Type":"bind","Source":"/srv","Destination":"/srv","Mode":"","RW":false,)"
            R"("Propagation":"rprivate"}])");
}

TEST(VolumeJsonTest, CreateBodyFiltersAndObject) {
  auto r = ParseVolumeCreateBody(R"({"Name":"x1","Driver":"local","DriverOpts":{},"Labels":{"a":"b"}})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->name(), "x1");
  EXPECT_EQ(r->labels().at("a"), "b");
  EXPECT_TRUE(ParseVolumeCreateBody("").ok());  // docker volume create with no name
  EXPECT_EQ(ParseVolumeCreateBody(R"({"Nmae":"x"})").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseVolumeCreateBody(R"({"Labels":{"a":1}})").status().code(),
            absl::StatusCode::kInvalidArgument);

  auto f = ToVolumeFilters({{"label", {"a=b"}}, {"dangling", {"true"}}, {"name", {"x"}}});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_THAT(f->label(), ElementsAre("a=b"));
  EXPECT_EQ(f->dangling(), "true");
  EXPECT_EQ(ToVolumeFilters({{"until", {"1h"}}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ToVolumeFilters({{"dangling", {"true", "false"}}}).status().code(),
            absl::StatusCode::kInvalidArgument);

  v1::Volume v;
  v.set_name("x1");
  v.set_driver("local");
  v.set_mountpoint("/m");
  v.mutable_created()->set_seconds(1700000000);
  (*v.mutable_labels())["a"] = "b";
  EXPECT_EQ(VolumeJson(v).dump(),
            R"({"CreatedAt":"2023-11-14T22:13:20Z","Driver":"local","Labels":{"a":"b"},)"
            R"("Mountpoint":"/m","Name":"x1","Options":{},"Scope":"local"})");
}

}  // namespace
}  // namespace berth::apid::rest
