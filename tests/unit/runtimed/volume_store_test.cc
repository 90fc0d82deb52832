// The volume store on a temp dir (no root): records survive a reopen, a
// half-made volume is cleaned up, filters, and the mount resolution that
// creates volumes for a container.
#include "services/runtimed/volumes/volume_store.h"

#include <filesystem>
#include <fstream>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/volumes/mount_resolver.h"

namespace berth::runtimed::volumes {
namespace {

namespace stdfs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class VolumeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-volumes-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { stdfs::remove_all(dir_); }
  std::unique_ptr<VolumeStore> Open() {
    auto store = VolumeStore::Open(dir_ + "/volumes");
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::string dir_;
};

TEST_F(VolumeStoreTest, CreateIsIdempotentAndSurvivesAReopen) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  CreateVolumeOptions options;
  options.name = "data";
  options.labels = {{"team", "a"}};
  auto v = store->Create(options, absl::FromUnixSeconds(1700000000));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->driver(), "local");
  EXPECT_EQ(v->mountpoint(), dir_ + "/volumes/data/_data");
  EXPECT_FALSE(v->anonymous());
  EXPECT_TRUE(stdfs::is_directory(v->mountpoint()));
  std::ofstream(v->mountpoint() + "/file") << "kept";
  // A second create of the name returns the first (labels unchanged).
  options.labels = {{"team", "b"}};
  auto again = store->Create(options, absl::Now());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->labels().at("team"), "a");

  store.reset();
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  auto loaded = reopened->Get("data");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->labels().at("team"), "a");
  EXPECT_EQ(loaded->created().seconds(), 1700000000);
  EXPECT_TRUE(stdfs::exists(loaded->mountpoint() + "/file"));
}

TEST_F(VolumeStoreTest, HalfMadeVolumeWithoutRecordIsRemovedOnOpen) {
  ASSERT_NE(Open(), nullptr);
  // What a crash between the data dir and the record leaves behind.
  stdfs::create_directories(dir_ + "/volumes/torn/_data");
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Get("torn").status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(stdfs::exists(dir_ + "/volumes/torn"));
}

TEST_F(VolumeStoreTest, NewerSchemaIsRefused) {
  stdfs::create_directories(dir_ + "/volumes");
  std::ofstream(dir_ + "/volumes/VERSION") << "9\n";
  auto store = VolumeStore::Open(dir_ + "/volumes");
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(VolumeStoreTest, RefusesOtherDriversOptionsAndBadNames) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  CreateVolumeOptions nfs;
  nfs.name = "x1";
  nfs.driver = "nfs";
  EXPECT_THAT(std::string(store->Create(nfs, absl::Now()).status().message()),
              HasSubstr("only \"local\""));
  CreateVolumeOptions opts;
  opts.name = "x2";
  opts.driver_opts = {{"type", "tmpfs"}};
  EXPECT_EQ(store->Create(opts, absl::Now()).status().code(), absl::StatusCode::kInvalidArgument);
  CreateVolumeOptions bad;
  bad.name = "../etc";
  EXPECT_EQ(store->Create(bad, absl::Now()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(stdfs::exists(dir_ + "/etc"));
}

TEST_F(VolumeStoreTest, AnonymousGetsARandomHexNameAndRemoveDeletesTheData) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  // `docker volume create` without a name: a random name, not anonymous.
  auto unnamed = store->Create(CreateVolumeOptions{}, absl::Now());
  ASSERT_TRUE(unnamed.ok()) << unnamed.status();
  EXPECT_EQ(unnamed->name().size(), 64u);
  EXPECT_FALSE(unnamed->anonymous());
  ASSERT_TRUE(store->Remove(unnamed->name()).ok());
  CreateVolumeOptions anonymous;
  anonymous.anonymous = true;
  auto v = store->Create(anonymous, absl::Now());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->name().size(), 64u);
  EXPECT_TRUE(v->anonymous());
  std::ofstream(v->mountpoint() + "/f") << "12345";
  EXPECT_EQ(store->Size(v->name()), 5);
  ASSERT_TRUE(store->Remove(v->name()).ok());
  EXPECT_FALSE(stdfs::exists(dir_ + "/volumes/" + v->name()));
  EXPECT_EQ(store->Remove(v->name()).code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(store->List(), ::testing::IsEmpty());
}

TEST(VolumeFiltersTest, NameLabelDanglingDriver) {
  v1::Volume v;
  v.set_name("web-data");
  v.set_driver("local");
  (*v.mutable_labels())["env"] = "prod";
  auto match = [&](const v1::VolumeFilters& f, bool in_use) {
    auto r = MatchesFilters(v, f, in_use);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && *r;
  };
  v1::VolumeFilters f;
  EXPECT_TRUE(match(f, false));
  f.add_name("data");
  EXPECT_TRUE(match(f, false));
  f.add_label("env=prod");
  EXPECT_TRUE(match(f, false));
  f.add_label("env");
  EXPECT_TRUE(match(f, false));
  v1::VolumeFilters wrong_label;
  wrong_label.add_label("env=dev");
  EXPECT_FALSE(match(wrong_label, false));
  v1::VolumeFilters dangling;
  dangling.set_dangling("true");
  EXPECT_TRUE(match(dangling, false));
  EXPECT_FALSE(match(dangling, true));
  dangling.set_dangling("false");
  EXPECT_TRUE(match(dangling, true));
  dangling.set_dangling("maybe");
  EXPECT_EQ(MatchesFilters(v, dangling, true).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::VolumeFilters other_name;
  other_name.add_name("db");
  EXPECT_FALSE(match(other_name, false));
}

TEST_F(VolumeStoreTest, ResolveMountsCreatesVolumesOrdersParentsFirstAndUndoesOnError) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::string host = dir_ + "/host";
  stdfs::create_directories(host);
  std::ofstream(host + "/file.conf") << "x";
  v1::ContainerConfig config;
  config.add_binds("named:/data/sub");
  config.add_binds(host + ":/data:ro");
  config.add_binds(dir_ + "/made-by-v:/made");
  config.add_binds(host + "/file.conf:/etc/app.conf");
  (*config.mutable_tmpfs())["/run"] = "size=1m";
  config.add_volumes("/cache");
  config.add_volumes("/data");  // covered by the bind: no anonymous volume
  ResolveContext context{.volumes = store.get(), .lookup_container = nullptr, .now = absl::Now()};
  auto resolved = ResolveMounts(config, context);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  std::vector<std::string> dests;
  for (const auto& mp : resolved->mounts) dests.push_back(mp.destination());
  EXPECT_THAT(dests, ElementsAre("/cache", "/data", "/made", "/run", "/data/sub", "/etc/app.conf"));
  const v1::MountPoint& cache = resolved->mounts[0];
  EXPECT_EQ(cache.type(), "volume");
  EXPECT_TRUE(cache.anonymous());
  EXPECT_TRUE(cache.copy_up());
  const v1::MountPoint& data = resolved->mounts[1];
  EXPECT_EQ(data.type(), "bind");
  EXPECT_FALSE(data.rw());
  EXPECT_EQ(data.propagation(), "rprivate");
  EXPECT_TRUE(stdfs::is_directory(dir_ + "/made-by-v"));  // -v makes a missing host dir
  EXPECT_TRUE(resolved->mounts[5].file());
  EXPECT_EQ(resolved->mounts[4].name(), "named");
  EXPECT_EQ(store->List().size(), 2u);  // named + the anonymous /cache

  // The shim's view: volumes and binds are binds, read-only where asked.
  v1::Container record;
  for (const auto& mp : resolved->mounts) *record.add_mounts() = mp;
  std::vector<spec::MountSpec> shim = ShimMounts(record);
  ASSERT_EQ(shim.size(), 6u);
  EXPECT_EQ(shim[1].type, "bind");
  EXPECT_THAT(shim[1].options, ElementsAre("rbind", "rprivate", "ro"));
  EXPECT_EQ(shim[3].type, "tmpfs");
  EXPECT_TRUE(shim[0].copy_up);

  // --mount refuses a missing bind source; a duplicate destination is refused
  // before anything is made; volumes made by a failing call are removed.
  v1::ContainerConfig missing;
  missing.add_volumes("/anon");
  v1::MountRequest* m = missing.add_mounts();
  m->set_type("bind");
  m->set_source(dir_ + "/absent");
  m->set_target("/x");
  auto refused = ResolveMounts(missing, context);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("bind source path does not exist"));
  EXPECT_FALSE(stdfs::exists(dir_ + "/absent"));
  EXPECT_EQ(store->List().size(), 2u);
  v1::ContainerConfig dup;
  dup.add_binds("fresh:/x");
  dup.add_binds(host + ":/x");
  EXPECT_THAT(std::string(ResolveMounts(dup, context).status().message()),
              HasSubstr("Duplicate mount point: /x"));
  EXPECT_EQ(store->Get("fresh").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(VolumeStoreTest, VolumesFromCopiesTheOtherContainersMountsWithTheGivenMode) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  v1::Container other;
  v1::MountPoint* mp = other.add_mounts();
  mp->set_type("volume");
  mp->set_name("shared");
  mp->set_destination("/shared");
  mp->set_rw(true);
  mp->set_copy_up(true);
  ResolveContext context{.volumes = store.get(),
                         .lookup_container = [&](const std::string& ref)
                             -> absl::StatusOr<v1::Container> {
                           if (ref == "web") return other;
                           return absl::NotFoundError("No such container: " + ref);
                         },
                         .now = absl::Now()};
  v1::ContainerConfig config;
  config.add_volumes_from("web:ro");
  auto resolved = ResolveMounts(config, context);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  ASSERT_EQ(resolved->mounts.size(), 1u);
  EXPECT_EQ(resolved->mounts[0].name(), "shared");
  EXPECT_FALSE(resolved->mounts[0].rw());
  EXPECT_FALSE(resolved->mounts[0].copy_up());
  v1::ContainerConfig unknown;
  unknown.add_volumes_from("ghost");
  EXPECT_EQ(ResolveMounts(unknown, context).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace berth::runtimed::volumes
