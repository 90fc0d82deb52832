// ImageManager::Import against the layer limits and the private store: a
// refused import leaves nothing (no blob, layer, record, tag or temp file) and
// existing images keep working; the store dirs are 0700, also after startup
// finds them wider.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "services/imaged/layers/limits.h"
#include "tests/unit/imaged/manager_fixture.h"

namespace berth::imaged {
namespace {

using ::testing::HasSubstr;
using testing::ManagerTest;

constexpr int64_t kMiB = int64_t{1} << 20;

class ImageLimitsTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    auto base = Import(SmallRootfs(), "base");
    ASSERT_TRUE(base.ok()) << base.status();
    base_id_ = base->id;
    // Reopen with small caps; the store keeps the base image.
    limits_.max_bytes = 2 * kMiB;
    limits_.max_entries = 50;
    limits_.max_file_bytes = 2 * kMiB;
    limits_.max_apparent_file_bytes = 4 * kMiB;
    Open();
    blobs_ = Count(paths().blobs_dir());
    layers_ = Count(paths().layers_dir());
    images_ = Count(paths().images_dir());
  }

  // The store holds exactly what SetUp left, and the base image still resolves.
  void ExpectUnchanged() {
    EXPECT_EQ(Count(paths().tmp_dir()), 0);
    EXPECT_EQ(Count(paths().blobs_dir()), blobs_);
    EXPECT_EQ(Count(paths().layers_dir()), layers_);
    EXPECT_EQ(Count(paths().images_dir()), images_);
    std::vector<Image> all = manager_->List();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].id, base_id_);
    EXPECT_EQ(all[0].repo_tags, std::vector<std::string>{"base:latest"});
    EXPECT_EQ(manager_->Inspect("evil").status().code(), absl::StatusCode::kNotFound);
    // The base layer's content is intact and a snapshot can still use it.
    auto mounts = manager_->PrepareSnapshot(std::string(64, 'c'), "base");
    ASSERT_TRUE(mounts.ok()) << mounts.status();
    EXPECT_TRUE(manager_->RemoveSnapshot(std::string(64, 'c')).ok());
  }

  std::string base_id_;
  int blobs_ = 0;
  int layers_ = 0;
  int images_ = 0;
};

TEST_F(ImageLimitsTest, GzipBombIsRefusedAndLeavesNothing) {
  std::string bomb = testing::ZeroFileTar("zeros", 64 * kMiB, testing::Compression::kGzip);
  auto image = Import(bomb, "evil");
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kResourceExhausted) << image.status();
  EXPECT_THAT(std::string(image.status().message()), HasSubstr("--max_layer_file_bytes"));
  ExpectUnchanged();
}

TEST_F(ImageLimitsTest, StreamBombIsRefusedAndLeavesNothing) {
  // Many files, each under the file cap, together over the stream cap.
  std::vector<testing::TarEntry> entries;
  for (int i = 0; i < 5; ++i) {
    entries.push_back(testing::File("f" + std::to_string(i), std::string(kMiB, '\0')));
  }
  auto image = Import(testing::BuildTar(entries, testing::Compression::kZstd), "evil");
  EXPECT_EQ(image.status().code(), absl::StatusCode::kResourceExhausted) << image.status();
  EXPECT_THAT(std::string(image.status().message()), HasSubstr("--max_layer_bytes"));
  ExpectUnchanged();
}

TEST_F(ImageLimitsTest, TooManyEntriesLeaveNothing) {
  std::vector<testing::TarEntry> entries;
  for (int i = 0; i < 51; ++i) entries.push_back(testing::Dir("d" + std::to_string(i)));
  auto image = Import(testing::BuildTar(entries, testing::Compression::kGzip), "evil");
  EXPECT_EQ(image.status().code(), absl::StatusCode::kResourceExhausted) << image.status();
  EXPECT_THAT(std::string(image.status().message()), HasSubstr("--max_layer_entries"));
  ExpectUnchanged();
}

TEST_F(ImageLimitsTest, HugeSparseFileLeavesNothing) {
  auto image = Import(testing::BuildTar({testing::SparseFile("var/log/lastlog", "x", 64 * kMiB)}),
                      "evil");
  EXPECT_EQ(image.status().code(), absl::StatusCode::kResourceExhausted) << image.status();
  EXPECT_THAT(std::string(image.status().message()), HasSubstr("--max_layer_apparent_file_bytes"));
  ExpectUnchanged();
}

TEST_F(ImageLimitsTest, UploadIsCutOffAtTheCap) {
  // A plain tar far over the cap: the upload stops at cap + slack (3 MiB)
  // instead of landing on disk first.
  std::string tar = testing::BuildTar({testing::File("big", std::string(8 * kMiB, 'b'))});
  size_t offset = 0;
  auto image = manager_->Import({}, [&]() -> absl::StatusOr<std::optional<std::string>> {
    if (offset >= tar.size()) return std::nullopt;
    std::string chunk = tar.substr(offset, 64 * 1024);
    offset += chunk.size();
    return chunk;
  });
  EXPECT_EQ(image.status().code(), absl::StatusCode::kResourceExhausted) << image.status();
  EXPECT_THAT(std::string(image.status().message()), HasSubstr("uploaded layer"));
  EXPECT_LE(offset, static_cast<size_t>(3 * kMiB + 64 * 1024));
  ExpectUnchanged();
}

TEST_F(ImageLimitsTest, LrzipIsRefusedAndLeavesNothing) {
  std::string lrzip = std::string("LRZI\0\x06", 6) + std::string(4096, '\x5a');
  auto image = Import(lrzip, "evil");
  EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument) << image.status();
  EXPECT_THAT(std::string(image.status().message()), HasSubstr("unsupported compression 'lrzip'"));
  ExpectUnchanged();
}

TEST_F(ImageLimitsTest, WithinTheCapsStillImports) {
  auto image = Import(testing::BuildTar({testing::File("a", std::string(kMiB, 'a')),
                                         testing::SparseFile("s", "x", 3 * kMiB)},
                                        testing::Compression::kXz),
                      "fits");
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(manager_->List().size(), 2u);
}

TEST_F(ManagerTest, NonPositiveLimitIsRefusedAtCreate) {
  ImageManagerOptions options;
  options.state_dir = dir_.path() + "/other";
  options.limits.max_file_bytes = 0;
  auto manager = ImageManager::Create(std::move(options));
  EXPECT_EQ(manager.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(manager.status().message()), HasSubstr("--max_layer_file_bytes"));
}

mode_t ModeOf(const std::string& path) {
  struct stat st = {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST_F(ManagerTest, StoreDirsArePrivateAndTightenedAtStart) {
  ASSERT_TRUE(Import(SmallRootfs(), "busybox").ok());
  std::vector<std::string> dirs = paths().private_dirs();
  ASSERT_GE(dirs.size(), 7u);
  for (const auto& dir : dirs) EXPECT_EQ(ModeOf(dir), 0700u) << dir;
  // A published layer dir is private too (its diff/ keeps the archive's mode).
  for (const auto& e : std::filesystem::directory_iterator(paths().layers_dir())) {
    EXPECT_EQ(ModeOf(e.path()), 0700u) << e.path();
  }
  // A store left with wider modes (an older imaged, an admin's chmod) is
  // tightened when imaged starts.
  for (const auto& dir : dirs) ASSERT_EQ(::chmod(dir.c_str(), 0755), 0) << dir;
  Open();
  for (const auto& dir : dirs) EXPECT_EQ(ModeOf(dir), 0700u) << dir;
  EXPECT_TRUE(manager_->Inspect("busybox").ok());
}

TEST_F(ManagerTest, SymlinkedStoreDirIsRefused) {
  std::string images = paths().images_dir();
  manager_.reset();
  std::filesystem::remove_all(images);
  std::filesystem::create_directory(dir_.path() + "/elsewhere");
  std::filesystem::create_directory_symlink(dir_.path() + "/elsewhere", images);
  ImageManagerOptions options;
  options.state_dir = state_dir_;
  auto manager = ImageManager::Create(std::move(options));
  EXPECT_FALSE(manager.ok());
  EXPECT_THAT(std::string(manager.status().message()), HasSubstr("not a symlink"));
}

}  // namespace
}  // namespace berth::imaged
