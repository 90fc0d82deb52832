// CreateImage and CommitSnapshot: derived images, Docker's whiteouts, config-only images.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "absl/strings/str_split.h"
#include "common/fs/fs.h"
#include "services/imaged/layers/diff_writer.h"
#include "tests/unit/imaged/manager_fixture.h"

namespace berth::imaged {
namespace {

using testing::ManagerTest;

// Path → type letter ('f' file, 'd' dir, 'l' symlink, 'h' hard link) of a tar.
std::map<std::string, char> ListTar(const std::string& tar) {
  std::map<std::string, char> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    char type = archive_entry_hardlink(e) != nullptr            ? 'h'
                : archive_entry_filetype(e) == AE_IFDIR        ? 'd'
                : archive_entry_filetype(e) == AE_IFLNK        ? 'l'
                                                               : 'f';
    out[archive_entry_pathname(e)] = type;
  }
  archive_read_free(a);
  return out;
}

std::string DiffOf(const std::string& upper) {
  std::string tar;
  auto stats = layers::WriteLayerDiff(upper, [&](const void* d, size_t n) {
    tar.append(static_cast<const char*>(d), n);
    return absl::OkStatus();
  });
  EXPECT_TRUE(stats.ok()) << stats.status();
  return tar;
}

class CommitTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    auto base = Import(SmallRootfs(), "base", {R"(CMD ["sh"])"});
    ASSERT_TRUE(base.ok()) << base.status();
    base_ = *base;
  }

  ChunkReader Chunks(const std::string& data) {
    auto offset = std::make_shared<size_t>(0);
    return [data, offset]() -> absl::StatusOr<std::optional<std::string>> {
      if (*offset >= data.size()) return std::nullopt;
      std::string chunk = data.substr(*offset, 700);
      *offset += chunk.size();
      return chunk;
    };
  }

  // The top layer's diff dir of an image, through a throwaway snapshot.
  std::string TopLayerDir(const std::string& image_id, const std::string& key) {
    auto mounts = manager_->PrepareSnapshot(key, image_id);
    EXPECT_TRUE(mounts.ok()) << mounts.status();
    if (!mounts.ok()) return "";
    std::string lower = (*mounts)[0].options[0].substr(std::string("lowerdir=").size());
    return std::string(*absl::StrSplit(lower, ':').begin());
  }

  Image base_;
};

TEST_F(CommitTest, ConfigOnlyImageAddsNoLayer) {
  DerivedImageOptions options;
  options.parent = "base";
  options.config.cmd = {"echo", "hi"};
  options.config.labels = {{"a", "b"}};
  options.config.healthcheck = metadata::HealthConfig{{"CMD-SHELL", "true"}, 5'000'000'000};
  options.created_by = "/bin/sh -c #(nop)  CMD [\"echo\" \"hi\"]";
  auto image = manager_->CreateImage(options, Chunks(""));
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->diff_ids, base_.diff_ids);
  EXPECT_EQ(image->parent, base_.id);
  EXPECT_EQ(image->config.cmd, (std::vector<std::string>{"echo", "hi"}));
  ASSERT_TRUE(image->config.healthcheck.has_value());
  EXPECT_EQ(image->config.healthcheck->interval_ns, 5'000'000'000);
  auto config = metadata::ParseOciImage(*fs::ReadFile(paths().blob(image->id.substr(7))));
  ASSERT_TRUE(config.ok());
  ASSERT_EQ(config->history.size(), 2u);
  EXPECT_TRUE(config->history[1].empty_layer);
  EXPECT_EQ(config->history[1].created_by, options.created_by);
  EXPECT_EQ(config->config, options.config);  // survives the JSON round trip
}

TEST_F(CommitTest, LayerFromTarStacksOnParentAndHidesIntermediates) {
  DerivedImageOptions options;
  options.parent = base_.id;
  options.tag = "derived:1";
  std::string tar = testing::BuildTar({testing::Dir("app"), testing::File("app/x", "copied")});
  auto image = manager_->CreateImage(options, Chunks(tar));
  ASSERT_TRUE(image.ok()) << image.status();
  ASSERT_EQ(image->diff_ids.size(), 2u);
  EXPECT_EQ(image->diff_ids[1], testing::Sha256Of(tar));
  EXPECT_EQ(image->repo_tags, std::vector<std::string>{"derived:1"});
  std::string top = TopLayerDir(image->id, "c-top");
  EXPECT_EQ(*fs::ReadFile(top + "/app/x"), "copied");
  // An untagged image with a child (a build's intermediate step) is left out
  // of the default listing only.
  DerivedImageOptions step;
  step.parent = image->id;
  auto intermediate = manager_->CreateImage(step, Chunks(""));
  ASSERT_TRUE(intermediate.ok());
  step.parent = intermediate->id;
  auto last = manager_->CreateImage(step, Chunks(""));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(manager_->List(true).size(), 4u);
  std::vector<Image> visible = manager_->List(false);
  EXPECT_EQ(visible.size(), 3u);
  for (const Image& i : visible) EXPECT_NE(i.id, intermediate->id);
}

TEST_F(CommitTest, UnknownParentAndBadArchiveLeaveNothing) {
  DerivedImageOptions options;
  options.parent = "nope";
  EXPECT_EQ(manager_->CreateImage(options, Chunks("")).status().code(),
            absl::StatusCode::kNotFound);
  options.parent = "base";
  EXPECT_FALSE(manager_->CreateImage(options, Chunks("not a tar at all")).ok());
  EXPECT_EQ(manager_->List().size(), 1u);
  EXPECT_EQ(Count(paths().tmp_dir()), 0);
  EXPECT_EQ(manager_->CommitSnapshot("missing", {}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(CommitTest, SnapshotCommitWritesFilesLinksAndKeepsSnapshot) {
  ASSERT_TRUE(manager_->PrepareSnapshot("step1", "base").ok());
  std::string upper = paths().snapshot_upper("step1");
  ASSERT_TRUE(fs::WriteFileAtomically(upper + "/new.txt", "from RUN").ok());
  ASSERT_EQ(::mkdir((upper + "/etc").c_str(), 0755), 0);
  ASSERT_TRUE(fs::WriteFileAtomically(upper + "/etc/motd", "hello").ok());
  ASSERT_EQ(::link((upper + "/etc/motd").c_str(), (upper + "/etc/motd2").c_str()), 0);
  ASSERT_EQ(::symlink("new.txt", (upper + "/ln").c_str()), 0);

  std::map<std::string, char> entries = ListTar(DiffOf(upper));
  EXPECT_EQ(entries["new.txt"], 'f');
  EXPECT_EQ(entries["etc/"], 'd');  // directories end with "/"
  EXPECT_EQ(entries["etc/motd"], 'f');
  EXPECT_EQ(entries["etc/motd2"], 'h');
  EXPECT_EQ(entries["ln"], 'l');

  DerivedImageOptions options;
  options.config = base_.config;
  options.config.working_dir = "/app";
  options.created_by = "/bin/sh -c echo";
  auto image = manager_->CommitSnapshot("step1", options);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->parent, base_.id);
  EXPECT_EQ(image->diff_ids.size(), 2u);
  EXPECT_EQ(image->config.working_dir, "/app");
  std::string top = TopLayerDir(image->id, "check");
  EXPECT_EQ(*fs::ReadFile(top + "/new.txt"), "from RUN");
  EXPECT_EQ(*fs::ReadFile(top + "/etc/motd2"), "hello");
  EXPECT_NE(manager_->ListSnapshots().size(), 0u);
  // A parent other than the snapshot's is refused.
  options.parent = image->id;
  EXPECT_EQ(manager_->CommitSnapshot("step1", options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Needs root: overlay whiteouts are 0:0 character devices and opaque
// directories carry a trusted.* xattr.
TEST_F(CommitTest, DeletionsBecomeDockerWhiteouts) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (mknod, trusted.* xattrs)";
  ASSERT_TRUE(manager_->PrepareSnapshot("step2", "base").ok());
  std::string upper = paths().snapshot_upper("step2");
  ASSERT_EQ(::mknod((upper + "/gone").c_str(), S_IFCHR | 0000, makedev(0, 0)), 0);
  ASSERT_EQ(::mkdir((upper + "/etc").c_str(), 0755), 0);
  ASSERT_EQ(::setxattr((upper + "/etc").c_str(), "trusted.overlay.opaque", "y", 1, 0), 0);
  ASSERT_TRUE(fs::WriteFileAtomically(upper + "/etc/only", "x").ok());

  std::map<std::string, char> entries = ListTar(DiffOf(upper));
  EXPECT_EQ(entries.count("gone"), 0u);
  EXPECT_EQ(entries[".wh.gone"], 'f');
  EXPECT_EQ(entries["etc/.wh..wh..opq"], 'f');

  auto image = manager_->CommitSnapshot("step2", {});
  ASSERT_TRUE(image.ok()) << image.status();
  std::string top = TopLayerDir(image->id, "check2");
  struct stat st;
  ASSERT_EQ(::lstat((top + "/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  char value[4] = {};
  EXPECT_EQ(::getxattr((top + "/etc").c_str(), "trusted.overlay.opaque", value, sizeof(value)), 1);
  EXPECT_EQ(value[0], 'y');
}

}  // namespace
}  // namespace berth::imaged

namespace berth::imaged {
namespace {

TEST_F(CommitTest, ExportPathsShowsTheMergedImage) {
  ASSERT_TRUE(manager_->PrepareSnapshot("exp", "base").ok());
  std::string upper = paths().snapshot_upper("exp");
  ASSERT_EQ(::mkdir((upper + "/etc").c_str(), 0755), 0);
  ASSERT_TRUE(fs::WriteFileAtomically(upper + "/etc/hostname", "changed\n").ok());
  ASSERT_TRUE(fs::WriteFileAtomically(upper + "/etc/extra", "x").ok());
  auto image = manager_->CommitSnapshot("exp", {});
  ASSERT_TRUE(image.ok()) << image.status();
  std::string tar;
  auto sink = [&](const void* d, size_t n) {
    tar.append(static_cast<const char*>(d), n);
    return absl::OkStatus();
  };
  ASSERT_TRUE(manager_->ExportPaths(image->id, {"/etc", "bin/busybox"}, sink).ok());
  std::map<std::string, char> entries = ListTar(tar);
  EXPECT_EQ(entries["etc/"], 'd');
  EXPECT_EQ(entries["etc/hostname"], 'f');
  EXPECT_EQ(entries["etc/extra"], 'f');
  EXPECT_EQ(entries["bin/busybox"], 'f');
  EXPECT_EQ(entries.count("bin/sh"), 0u);
  EXPECT_NE(tar.find("changed\n"), std::string::npos);  // the upper layer wins
  EXPECT_EQ(tar.find("berth\n"), std::string::npos);
  EXPECT_EQ(manager_->ExportPaths(image->id, {"/nope"}, sink).code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace berth::imaged
