#include "services/imaged/layers/unpack.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>

#include "common/fs/fs.h"
#include "tests/unit/imaged/test_util.h"

namespace berth::imaged::layers {
namespace {

using testing::Compression;
using testing::TarEntry;

class UnpackTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::mkdir(dest_.c_str(), 0755), 0); }

  absl::StatusOr<UnpackResult> Unpack(const std::string& archive,
                                      WhiteoutMode whiteouts = WhiteoutMode::kDrop) {
    std::string path = dir_.path() + "/layer.tar";
    EXPECT_TRUE(fs::WriteFileAtomically(path, archive).ok());
    UnpackOptions options;
    options.whiteouts = whiteouts;
    options.apply_ownership = ::geteuid() == 0;
    return UnpackLayer(path, dest_, options);
  }

  struct stat Lstat(const std::string& rel) {
    struct stat st = {};
    EXPECT_EQ(::lstat((dest_ + "/" + rel).c_str(), &st), 0) << rel;
    return st;
  }
  bool Exists(const std::string& rel) {
    struct stat st;
    return ::lstat((dest_ + "/" + rel).c_str(), &st) == 0;
  }

  testing::TempDir dir_;
  std::string dest_ = dir_.path() + "/dest";
};

TEST_F(UnpackTest, UnpacksTreeWithModesLinksAndTimes) {
  TarEntry passwd = testing::File("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0600);
  passwd.uid = 1000;
  passwd.gid = 1001;
  passwd.mtime = 1600000000;
  TarEntry setuid = testing::File("bin/su", "su", 04755);
  TarEntry ro_dir = testing::Dir("ro", 0555);
  ro_dir.mtime = 1500000000;
  std::string tar = testing::BuildTar({
      testing::Dir("./", 0755),
      testing::Dir("bin", 0755),
      testing::File("bin/busybox", "#!busybox", 0755),
      testing::Symlink("bin/sh", "busybox"),
      testing::Symlink("bin/abs", "/etc/passwd"),
      testing::Hardlink("bin/ls", "bin/busybox"),
      setuid,
      passwd,
      ro_dir,
      testing::File("ro/inner", "x", 0444),
      testing::File("implicit/parent/file", "deep"),
  });
  auto result = Unpack(tar);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->diff_id, testing::Sha256Of(tar));
  EXPECT_EQ(result->entries, 11);

  EXPECT_EQ(*fs::ReadFile(dest_ + "/bin/busybox"), "#!busybox");
  EXPECT_EQ(Lstat("bin/busybox").st_mode & 07777, 0755u);
  EXPECT_EQ(Lstat("bin/su").st_mode & 07777, 04755u);
  EXPECT_EQ(Lstat("etc/passwd").st_mode & 07777, 0600u);
  EXPECT_EQ(Lstat("etc/passwd").st_mtime, 1600000000);
  if (::geteuid() == 0) {
    EXPECT_EQ(Lstat("etc/passwd").st_uid, 1000u);
    EXPECT_EQ(Lstat("etc/passwd").st_gid, 1001u);
  }
  EXPECT_TRUE(S_ISLNK(Lstat("bin/sh").st_mode));
  EXPECT_EQ(std::filesystem::read_symlink(dest_ + "/bin/sh"), "busybox");
  EXPECT_EQ(std::filesystem::read_symlink(dest_ + "/bin/abs"), "/etc/passwd");
  EXPECT_EQ(Lstat("bin/ls").st_ino, Lstat("bin/busybox").st_ino);
  EXPECT_EQ(Lstat("ro").st_mode & 07777, 0555u);
  EXPECT_EQ(Lstat("ro").st_mtime, 1500000000);  // set after its child was written
  EXPECT_EQ(*fs::ReadFile(dest_ + "/ro/inner"), "x");
  EXPECT_EQ(Lstat("implicit/parent").st_mode & 07777, 0755u);
  EXPECT_EQ(*fs::ReadFile(dest_ + "/implicit/parent/file"), "deep");
  // File bytes plus symlink targets.
  EXPECT_EQ(result->size, 9 + 2 + 26 + 1 + 4 + 7 + 11);
}

class CompressionTest : public UnpackTest, public ::testing::WithParamInterface<Compression> {};

TEST_P(CompressionTest, DiffIdIsDigestOfUncompressedTar) {
  std::vector<TarEntry> entries = {testing::File("a", std::string(100000, 'x')),
                                   testing::File("b", "bee")};
  std::string plain = testing::BuildTar(entries);
  std::string packed = testing::BuildTar(entries, GetParam());
  if (GetParam() != Compression::kNone) {
    ASSERT_NE(packed, plain);
  }
  auto result = Unpack(packed);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->diff_id, testing::Sha256Of(plain));
  EXPECT_EQ(*fs::ReadFile(dest_ + "/b"), "bee");
}

INSTANTIATE_TEST_SUITE_P(All, CompressionTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kBzip2, Compression::kXz,
                                           Compression::kZstd),
                         [](const ::testing::TestParamInfo<Compression>& info) {
                           switch (info.param) {
                             case Compression::kNone: return std::string("none");
                             case Compression::kGzip: return std::string("gzip");
                             case Compression::kBzip2: return std::string("bzip2");
                             case Compression::kXz: return std::string("xz");
                             case Compression::kZstd: return std::string("zstd");
                           }
                           return std::string("unknown");
                         });

struct HostileCase {
  std::string name;
  std::vector<TarEntry> entries;
};

// Prints the case by name, so test listings (and ctest entry names) carry no
// raw bytes of the struct.
void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

class HostileTest : public UnpackTest, public ::testing::WithParamInterface<HostileCase> {};

TEST_P(HostileTest, RefusedWithoutTouchingAnythingOutside) {
  auto result = Unpack(testing::BuildTar(GetParam().entries));
  ASSERT_FALSE(result.ok()) << GetParam().name;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  // Only the archive and the destination exist beside each other.
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    std::string name = e.path().filename();
    EXPECT_TRUE(name == "dest" || name == "layer.tar") << "escaped: " << name;
  }
  EXPECT_FALSE(std::filesystem::exists("/etc/x-imaged-test"));
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, HostileTest,
    ::testing::Values(
        HostileCase{"dotdot", {testing::File("../escape", "x")}},
        HostileCase{"inner_dotdot", {testing::File("a/../../escape", "x")}},
        HostileCase{"absolute", {testing::File("/etc/x-imaged-test", "x")}},
        HostileCase{"symlink_parent_root",
                    {testing::Symlink("a", "/"), testing::File("a/etc/x-imaged-test", "x")}},
        HostileCase{"symlink_parent_relative",
                    {testing::Symlink("a", "../.."), testing::Dir("a/escape")}},
        HostileCase{"symlink_parent_inside",
                    {testing::Dir("d"), testing::Symlink("a", "d"), testing::File("a/f", "x")}},
        HostileCase{"hardlink_absolute", {testing::Hardlink("passwd", "/etc/passwd")}},
        HostileCase{"hardlink_dotdot", {testing::Hardlink("passwd", "../../etc/passwd")}},
        HostileCase{"hardlink_through_symlink",
                    {testing::Symlink("l", "/etc"), testing::Hardlink("p", "l/passwd")}},
        HostileCase{"hardlink_missing", {testing::Hardlink("p", "nope")}},
        HostileCase{"bad_whiteout", {testing::File("d/.wh..", "")}}),
    [](const auto& info) { return info.param.name; });

TEST_F(UnpackTest, ReplacingASymlinkWithADirectoryIsSafe) {
  auto result = Unpack(testing::BuildTar(
      {testing::Symlink("a", "/"), testing::Dir("a"), testing::File("a/x", "inside")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(S_ISDIR(Lstat("a").st_mode));
  EXPECT_EQ(*fs::ReadFile(dest_ + "/a/x"), "inside");
}

TEST_F(UnpackTest, LaterEntriesReplaceEarlierOnes) {
  auto result = Unpack(testing::BuildTar({testing::File("f", "one"), testing::File("f", "two"),
                                          testing::Dir("d"), testing::File("d/x", "x"),
                                          testing::File("d", "now a file")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*fs::ReadFile(dest_ + "/f"), "two");
  EXPECT_EQ(*fs::ReadFile(dest_ + "/d"), "now a file");
}

TEST_F(UnpackTest, DeviceNodesAreSkipped) {
  TarEntry dev;
  dev.path = "dev/null";
  dev.type = TarEntry::Type::kCharDevice;
  TarEntry fifo;
  fifo.path = "run/fifo";
  fifo.type = TarEntry::Type::kFifo;
  fifo.mode = 0620;
  auto result = Unpack(testing::BuildTar({testing::Dir("dev"), dev, fifo}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->skipped_devices, 1);
  EXPECT_TRUE(Exists("dev"));
  EXPECT_FALSE(Exists("dev/null"));
  EXPECT_TRUE(S_ISFIFO(Lstat("run/fifo").st_mode));
  EXPECT_EQ(Lstat("run/fifo").st_mode & 07777, 0620u);
}

TEST_F(UnpackTest, WhiteoutsDroppedForBaseLayers) {
  auto result = Unpack(testing::BuildTar({testing::Dir("d"), testing::File("d/.wh.gone", ""),
                                          testing::File("d/.wh..wh..opq", ""),
                                          testing::File("d/kept", "k")}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->whiteouts, 2);
  EXPECT_FALSE(Exists("d/.wh.gone"));
  EXPECT_FALSE(Exists("d/gone"));
  EXPECT_FALSE(Exists("d/.wh..wh..opq"));
  EXPECT_TRUE(Exists("d/kept"));
}

TEST_F(UnpackTest, WhiteoutsConvertedToOverlayForm) {
  if (::geteuid() != 0) GTEST_SKIP() << "mknod of a whiteout and trusted.* xattrs need root";
  auto result = Unpack(testing::BuildTar({testing::Dir("d"), testing::File("d/.wh.gone", ""),
                                          testing::File("o/.wh..wh..opq", "")}),
                       WhiteoutMode::kOverlay);
  ASSERT_TRUE(result.ok()) << result.status();
  struct stat st = Lstat("d/gone");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, ::makedev(0, 0));
  char value[8] = {};
  ASSERT_EQ(::lgetxattr((dest_ + "/o").c_str(), "trusted.overlay.opaque", value, sizeof(value)),
            1);
  EXPECT_EQ(value[0], 'y');
  EXPECT_FALSE(Exists("d/.wh.gone"));
}

TEST_F(UnpackTest, NotATarIsInvalid) {
  auto result = Unpack(std::string(3000, 'z'));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  result = Unpack("");
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
}

TEST_F(UnpackTest, TruncatedArchiveIsInvalid) {
  std::string tar = testing::BuildTar({testing::File("big", std::string(50000, 'b'))},
                                      Compression::kGzip);
  auto result = Unpack(tar.substr(0, tar.size() / 2));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
}

TEST(SplitEntryPathTest, Components) {
  using V = std::vector<std::string>;
  EXPECT_EQ(*SplitEntryPath("./a//b/./c/"), (V{"a", "b", "c"}));
  EXPECT_EQ(*SplitEntryPath("./"), V{});
  EXPECT_EQ(*SplitEntryPath("..a/b.."), (V{"..a", "b.."}));
  EXPECT_FALSE(SplitEntryPath("/a").ok());
  EXPECT_FALSE(SplitEntryPath("a/../b").ok());
  EXPECT_FALSE(SplitEntryPath("..").ok());
  EXPECT_FALSE(SplitEntryPath("").ok());
}

}  // namespace
}  // namespace berth::imaged::layers
