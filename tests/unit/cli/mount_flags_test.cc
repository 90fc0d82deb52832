// `berth run -v/--mount/--tmpfs/--volumes-from` → the storage fields (pure).
#include "cli/mount_flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(MountFlagsTest, VolumeWithoutSourceIsAnonymousOtherwiseABind) {
  StorageFlags flags;
  flags.volume = {"/cache", "data:/data:ro", "/srv:/srv"};
  flags.tmpfs = {"/run", "/scratch:size=64m,exec"};
  flags.volumes_from = {"web:ro"};
  auto spec = BuildStorageSpec(flags);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_THAT(spec->volumes, ElementsAre("/cache"));
  EXPECT_THAT(spec->binds, ElementsAre("data:/data:ro", "/srv:/srv"));
  EXPECT_THAT(spec->tmpfs, ElementsAre(Pair("/run", ""), Pair("/scratch", "size=64m,exec")));
  EXPECT_THAT(spec->volumes_from, ElementsAre("web:ro"));
}

TEST(MountFlagsTest, RefusesRelativeAnonymousVolumesAndTmpfs) {
  StorageFlags relative;
  relative.volume = {"cache"};
  EXPECT_EQ(BuildStorageSpec(relative).status().code(), absl::StatusCode::kInvalidArgument);
  StorageFlags empty;
  empty.volume = {""};
  EXPECT_EQ(BuildStorageSpec(empty).status().code(), absl::StatusCode::kInvalidArgument);
  StorageFlags tmpfs;
  tmpfs.tmpfs = {"run"};
  EXPECT_EQ(BuildStorageSpec(tmpfs).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MountFlagsTest, MountCsvWithAliasesAndOptions) {
  auto bind = ParseMountFlag("type=bind,src=/srv,dst=/data,readonly,bind-propagation=rslave");
  ASSERT_TRUE(bind.ok()) << bind.status();
  EXPECT_EQ(bind->type, "bind");
  EXPECT_EQ(bind->source, "/srv");
  EXPECT_EQ(bind->target, "/data");
  EXPECT_TRUE(bind->read_only);
  EXPECT_EQ(bind->propagation, "rslave");

  auto volume = ParseMountFlag(
      "source=cache,target=/cache,volume-nocopy,volume-label=a=b,volume-label=c,ro=false");
  ASSERT_TRUE(volume.ok()) << volume.status();
  EXPECT_EQ(volume->type, "volume");  // docker's default
  EXPECT_TRUE(volume->no_copy);
  EXPECT_FALSE(volume->read_only);
  EXPECT_THAT(volume->volume_labels, ElementsAre(Pair("a", "b"), Pair("c", "")));

  auto tmpfs = ParseMountFlag("type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770");
  ASSERT_TRUE(tmpfs.ok()) << tmpfs.status();
  EXPECT_EQ(tmpfs->tmpfs_size, 64 << 20);
  EXPECT_EQ(tmpfs->tmpfs_mode, 01770u);
}

TEST(MountFlagsTest, MountRefusals) {
  for (const char* bad : {"type=bind,src=/a", "type=npipe,target=/x", "target=/x,bogus=1",
                          "target=/x,noequals", "target=/x,readonly=maybe",
                          "type=tmpfs,target=/t,tmpfs-mode=9", "target=/x,volume-driver=nfs",
                          "type=tmpfs,target=/t,tmpfs-size=lots"}) {
    auto m = ParseMountFlag(bad);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(std::string(ParseMountFlag("type=bind,src=/a").status().message()),
              HasSubstr("target is required"));
}

}  // namespace
}  // namespace berth::cli
