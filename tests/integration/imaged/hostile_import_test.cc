// Hostile layers against the real imaged binary started with small caps:
// a gzip bomb, an lrzip layer, too many entries and a sparse file whose
// apparent size is over the cap are each refused with an error naming the
// limit (or the compression), and leave nothing behind: no temp file, blob,
// layer dir or image record, and the image imported before is untouched.
// The store dirs are 0700.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "common/fs/fs.h"
#include "services/imaged/paths.h"
#include "tests/integration/imaged/imaged_process.h"
#include "tests/unit/imaged/test_util.h"

namespace berth::imaged {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

// One configuration for all cases; each hostile layer trips its own cap.
const std::vector<std::string> kFlags = {
    "--max_layer_bytes=" + std::to_string(16 * kMiB),
    "--max_layer_entries=1000",
    "--max_layer_file_bytes=" + std::to_string(512 * kMiB),
    "--max_layer_apparent_file_bytes=" + std::to_string(1024 * kMiB),
};

class HostileImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    ASSERT_TRUE(imaged_.Start(kFlags));
    v1::Image base;
    grpc::Status status = imaged_.Import(
        testing::BuildTar({testing::Dir("etc"), testing::File("etc/hostname", "base\n"),
                           testing::File("bin/tool", std::string(100000, 't'), 0755)},
                          testing::Compression::kGzip),
        "base:1", &base);
    ASSERT_TRUE(status.ok()) << status.error_message();
    base_id_ = base.id();
    for (const std::string& dir : StoreDirs()) before_[dir] = testing::CountEntries(dir);
  }

  std::vector<std::string> StoreDirs() const {
    Paths paths(imaged_.state_dir());
    return {paths.tmp_dir(), paths.blobs_dir(), paths.layers_dir(), paths.images_dir()};
  }

  // Nothing new anywhere in the store, tmp/ empty, the base image as before.
  void ExpectNothingLeftBehind() {
    for (const std::string& dir : StoreDirs()) {
      EXPECT_EQ(testing::CountEntries(dir), before_[dir]) << dir;
    }
    EXPECT_EQ(testing::CountEntries(Paths(imaged_.state_dir()).tmp_dir()), 0);
    std::vector<v1::Image> images = imaged_.ListImages();
    ASSERT_EQ(images.size(), 1u);
    EXPECT_EQ(images[0].id(), base_id_);
    ASSERT_EQ(images[0].repo_tags_size(), 1);
    EXPECT_EQ(images[0].repo_tags(0), "base:1");
    // Its layer still has its files.
    Paths paths(imaged_.state_dir());
    bool found = false;
    for (const auto& layer : std::filesystem::directory_iterator(paths.layers_dir())) {
      auto hostname = fs::ReadFile(layer.path().string() + "/diff/etc/hostname");
      if (hostname.ok() && *hostname == "base\n") found = true;
    }
    EXPECT_TRUE(found);
  }

  static void ExpectRefused(const grpc::Status& status, grpc::StatusCode code,
                            const std::string& text) {
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_NE(status.error_message().find(text), std::string::npos) << status.error_message();
  }

  testing::TempDir dir_;
  testing::ImagedProcess imaged_{dir_.path()};
  std::string base_id_;
  std::map<std::string, int> before_;
};

TEST_F(HostileImportTest, GzipBombIsCutOffAtTheByteCap) {
  // 256 MiB of zeros in ~250 KiB: 16x the cap.
  std::string bomb = testing::ZeroFileTar("zeros", 256 * kMiB, testing::Compression::kGzip);
  ASSERT_LT(bomb.size(), 512 * 1024u);
  auto start = std::chrono::steady_clock::now();
  grpc::Status status = imaged_.Import(bomb, "evil:bomb", nullptr);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ExpectRefused(status, grpc::StatusCode::RESOURCE_EXHAUSTED, "--max_layer_bytes");
  // Stopping at the cap, not after inflating all 256 MiB to disk.
  EXPECT_LT(elapsed, std::chrono::seconds(10));
  std::printf("gzip bomb: %zu bytes compressed, refused after %lld ms\n", bomb.size(),
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  ExpectNothingLeftBehind();
}

TEST_F(HostileImportTest, CraftedLrzipHeaderIsRefused) {
  // The magic libarchive's lrzip bidder claims (then runs `lrzip -d`) when
  // all filters are registered.
  std::string lrzip = std::string("LRZI\0\x06", 6) + std::string(8192, '\x42');
  ExpectRefused(imaged_.Import(lrzip, "evil:lrzip", nullptr), grpc::StatusCode::INVALID_ARGUMENT,
                "unsupported compression 'lrzip'");
  ExpectNothingLeftBehind();
}

TEST_F(HostileImportTest, RealLrzipLayerIsRefused) {
  if (std::system("command -v lrzip >/dev/null 2>&1") != 0) GTEST_SKIP() << "no lrzip tool";
  std::string src = dir_.path() + "/lrz-src";
  std::string out = dir_.path() + "/layer.tar.lrz";
  std::string cmd = "mkdir -p " + src + "/etc && echo x > " + src + "/etc/hostname && tar -C " +
                    src + " -cf - . | lrzip -q -o " + out + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto layer = fs::ReadFile(out);
  ASSERT_TRUE(layer.ok()) << layer.status();
  ASSERT_EQ(layer->substr(0, 4), "LRZI");
  ExpectRefused(imaged_.Import(*layer, "evil:lrzip", nullptr), grpc::StatusCode::INVALID_ARGUMENT,
                "unsupported compression 'lrzip'");
  ExpectNothingLeftBehind();
}

TEST_F(HostileImportTest, TooManyEntriesAreRefused) {
  std::vector<testing::TarEntry> entries;
  for (int i = 0; i <= 1000; ++i) entries.push_back(testing::File("f" + std::to_string(i), ""));
  ExpectRefused(imaged_.Import(testing::BuildTar(entries, testing::Compression::kGzip),
                               "evil:entries", nullptr),
                grpc::StatusCode::RESOURCE_EXHAUSTED, "--max_layer_entries");
  ExpectNothingLeftBehind();
}

TEST_F(HostileImportTest, SparseFileOverTheApparentCapIsRefused) {
  // GNU tar's own sparse format, from a 2 GiB file that is all hole.
  std::string src = dir_.path() + "/sparse-src";
  std::string out = dir_.path() + "/sparse.tar.gz";
  std::string cmd = "mkdir -p " + src + " && truncate -s 2G " + src +
                    "/lastlog && tar --sparse -C " + src + " -czf " + out + " lastlog";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto layer = fs::ReadFile(out);
  ASSERT_TRUE(layer.ok()) << layer.status();
  ASSERT_LT(layer->size(), 64 * 1024u);
  ExpectRefused(imaged_.Import(*layer, "evil:sparse", nullptr),
                grpc::StatusCode::RESOURCE_EXHAUSTED, "--max_layer_apparent_file_bytes");
  ExpectNothingLeftBehind();
}

TEST_F(HostileImportTest, StoreDirsAre0700) {
  for (const std::string& dir : Paths(imaged_.state_dir()).private_dirs()) {
    struct stat st = {};
    ASSERT_EQ(::lstat(dir.c_str(), &st), 0) << dir;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << dir;
    EXPECT_EQ(st.st_mode & 07777, 0700u) << dir;
    EXPECT_EQ(st.st_uid, 0u) << dir;
  }
}

}  // namespace
}  // namespace berth::imaged
