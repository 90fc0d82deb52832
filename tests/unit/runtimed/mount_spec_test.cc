// Docker's -v / --tmpfs / --mount syntaxes as runtimed parses them (no root).
#include "services/runtimed/volumes/mount_spec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::volumes {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseBindTest, NamedVolumeWithMode) {
  auto m = ParseBind("data:/var/lib/data:ro");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->type, "volume");
  EXPECT_EQ(m->source, "data");
  EXPECT_EQ(m->destination, "/var/lib/data");
  EXPECT_TRUE(m->read_only);
  EXPECT_EQ(m->mode, "ro");
  EXPECT_FALSE(m->create_host_dir);
}

TEST(ParseBindTest, HostPathIsABindThatMayCreateItsSourceWithRprivateDefault) {
  auto m = ParseBind("/srv/www:/usr/share/www/");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->type, "bind");
  EXPECT_EQ(m->source, "/srv/www");
  EXPECT_EQ(m->destination, "/usr/share/www");
  EXPECT_FALSE(m->read_only);
  EXPECT_EQ(m->propagation, "rprivate");
  EXPECT_TRUE(m->create_host_dir);
}

TEST(ParseBindTest, ModeListTakesPropagationLabelAndNocopy) {
  auto bind = ParseBind("/a:/b:rw,rshared,z");
  ASSERT_TRUE(bind.ok()) << bind.status();
  EXPECT_EQ(bind->propagation, "rshared");
  EXPECT_FALSE(bind->read_only);
  auto volume = ParseBind("vol1:/b:nocopy");
  ASSERT_TRUE(volume.ok()) << volume.status();
  EXPECT_TRUE(volume->no_copy);
}

TEST(ParseBindTest, RefusesMalformedSpecsWithDockersWords) {
  for (const char* bad : {"/only", "a:b:c:d", ":/x", "vol:", "vol:/x:rw,ro", "vol:/x:rshared",
                          "/a:/b:nocopy", "vol:/x:bogus", "vol:relative", "v:/x"}) {
    auto m = ParseBind(bad);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(std::string(ParseBind("vol:/x:bogus").status().message()),
              HasSubstr("invalid volume specification: 'vol:/x:bogus'"));
  EXPECT_THAT(std::string(ParseBind("/a:/").status().message()), HasSubstr("can't be '/'"));
  EXPECT_THAT(std::string(ParseBind("/a:/b/../../etc").status().message()), HasSubstr(".."));
  EXPECT_THAT(std::string(ParseBind("b@d:/x").status().message()),
              HasSubstr("includes invalid characters for a local volume name"));
}

TEST(VolumeNameTest, DockersRule) {
  EXPECT_TRUE(IsValidVolumeName("my_vol-1.2"));
  EXPECT_FALSE(IsValidVolumeName("a"));
  EXPECT_FALSE(IsValidVolumeName("_x"));
  EXPECT_FALSE(IsValidVolumeName("a/b"));
  EXPECT_FALSE(IsValidVolumeName(""));
}

TEST(ParseTmpfsTest, DockerDefaultsThenTheGivenOptions) {
  auto m = ParseTmpfs("/run", "");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->type, "tmpfs");
  EXPECT_THAT(m->tmpfs_options, ElementsAre("nodev", "noexec", "nosuid"));
  auto e = ParseTmpfs("/run/", "exec,size=64m,mode=1770,ro");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->destination, "/run");
  EXPECT_TRUE(e->read_only);
  EXPECT_THAT(e->tmpfs_options, ElementsAre("nodev", "nosuid", "ro", "size=64m", "mode=1770"));
  EXPECT_EQ(ParseTmpfs("run", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTmpfs("/run", "bogus").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTmpfs("/run", "size=").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FromMountRequestTest, EachTypeAndItsRefusals) {
  v1::MountRequest bind;
  bind.set_type("bind");
  bind.set_source("/srv");
  bind.set_target("/data");
  bind.set_read_only(true);
  auto b = FromMountRequest(bind);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE(b->create_host_dir);  // --mount refuses a missing source
  EXPECT_EQ(b->propagation, "rprivate");
  EXPECT_TRUE(b->read_only);

  v1::MountRequest tmpfs;
  tmpfs.set_type("tmpfs");
  tmpfs.set_target("/scratch");
  tmpfs.set_tmpfs_size(1 << 20);
  tmpfs.set_tmpfs_mode(0700);
  auto t = FromMountRequest(tmpfs);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->tmpfs_options, ElementsAre("nosuid", "nodev", "size=1048576", "mode=700"));

  v1::MountRequest anon;
  anon.set_type("volume");
  anon.set_target("/cache");
  anon.set_no_copy(true);
  auto a = FromMountRequest(anon);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->source, "");
  EXPECT_TRUE(a->no_copy);

  v1::MountRequest bad = bind;
  bad.set_source("relative");
  EXPECT_THAT(std::string(FromMountRequest(bad).status().message()),
              HasSubstr("mount path must be absolute"));
  bad = tmpfs;
  bad.set_source("/x");
  EXPECT_EQ(FromMountRequest(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad = anon;
  bad.set_propagation("rshared");
  EXPECT_EQ(FromMountRequest(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad.set_type("npipe");
  EXPECT_THAT(std::string(FromMountRequest(bad).status().message()), HasSubstr("npipe"));
  bad = bind;
  bad.set_propagation("sideways");
  EXPECT_EQ(FromMountRequest(bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseVolumesFromTest, ContainerAndMode) {
  auto plain = ParseVolumesFrom("web");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->first, "web");
  EXPECT_EQ(plain->second, "");
  auto ro = ParseVolumesFrom("web:ro");
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(ro->second, "ro");
  EXPECT_EQ(ParseVolumesFrom("web:rx").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseVolumesFrom("").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::runtimed::volumes
