// The caps on what one layer may expand to (layers/limits.h), first as pure
// counting logic, then through UnpackLayer with small configured caps: bombs
// stop early with ResourceExhausted naming the flag, and compressions we do
// not read are refused by name.
#include "services/imaged/layers/limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/fs/fs.h"
#include "services/imaged/layers/unpack.h"
#include "tests/unit/imaged/test_util.h"

namespace berth::imaged::layers {
namespace {

using ::testing::HasSubstr;
using testing::Compression;

constexpr int64_t kMiB = int64_t{1} << 20;

UnpackLimits Small() {
  UnpackLimits limits;
  limits.max_bytes = 4 * kMiB;
  limits.max_entries = 10;
  limits.max_file_bytes = 1 * kMiB;
  limits.max_apparent_file_bytes = 8 * kMiB;
  return limits;
}

void ExpectExceeded(const absl::Status& status, const std::string& flag) {
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("--" + flag)) << status;
}

TEST(LimitTrackerTest, StreamBytesUpToTheCapPass) {
  LimitTracker tracker(Small());
  EXPECT_TRUE(tracker.AddStreamBytes(3 * kMiB).ok());
  EXPECT_TRUE(tracker.AddStreamBytes(kMiB).ok());  // exactly the cap
  absl::Status over = tracker.AddStreamBytes(1);
  ExpectExceeded(over, "max_layer_bytes");
  EXPECT_THAT(std::string(over.message()), HasSubstr("4194304 bytes (4.0 MiB)"));
}

TEST(LimitTrackerTest, EntriesUpToTheCapPass) {
  LimitTracker tracker(Small());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(tracker.AddEntry("f").ok()) << i;
  absl::Status over = tracker.AddEntry("eleventh");
  ExpectExceeded(over, "max_layer_entries");
  EXPECT_THAT(std::string(over.message()), HasSubstr("'eleventh'"));
}

TEST(LimitTrackerTest, FileHeaders) {
  LimitTracker tracker(Small());
  EXPECT_TRUE(tracker.CheckFileHeader("f", kMiB, /*sparse=*/false).ok());
  ExpectExceeded(tracker.CheckFileHeader("f", kMiB + 1, false), "max_layer_file_bytes");
  // A sparse file's length is mostly hole: only the apparent cap applies.
  EXPECT_TRUE(tracker.CheckFileHeader("s", 8 * kMiB, /*sparse=*/true).ok());
  ExpectExceeded(tracker.CheckFileHeader("s", 8 * kMiB + 1, true),
                 "max_layer_apparent_file_bytes");
}

TEST(LimitTrackerTest, FileBlocks) {
  LimitTracker tracker(Small());
  EXPECT_TRUE(tracker.CheckFileBlock("s", 7 * kMiB, kMiB, kMiB).ok());
  // A sparse map may place data far beyond the header's length.
  ExpectExceeded(tracker.CheckFileBlock("s", 8 * kMiB, 1, 1), "max_layer_apparent_file_bytes");
  ExpectExceeded(tracker.CheckFileBlock("s", -1, 1, 1), "max_layer_apparent_file_bytes");
  ExpectExceeded(tracker.CheckFileBlock("s", 0, 512, kMiB + 1), "max_layer_file_bytes");
}

TEST(LimitsTest, ValidateAndUploadCap) {
  EXPECT_TRUE(ValidateLimits(UnpackLimits()).ok());
  UnpackLimits zero = Small();
  zero.max_entries = 0;
  EXPECT_EQ(ValidateLimits(zero).code(), absl::StatusCode::kInvalidArgument);
  // At least 1 MiB of slack, else 1/64.
  EXPECT_EQ(MaxUploadBytes(Small()), 5 * kMiB);
  UnpackLimits big;
  big.max_bytes = 64 * kGiB;
  EXPECT_EQ(MaxUploadBytes(big), 65 * kGiB);
  big.max_bytes = std::numeric_limits<int64_t>::max() - 1;
  EXPECT_EQ(MaxUploadBytes(big), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(CheckUploadBytes(Small(), 5 * kMiB).ok());
  ExpectExceeded(CheckUploadBytes(Small(), 5 * kMiB + 1), "max_layer_bytes");
}

TEST(LimitsTest, DefaultsAdmitRealImages) {
  UnpackLimits d;
  EXPECT_GE(d.max_bytes, 16 * kGiB);
  EXPECT_GE(d.max_entries, 1000000);
  EXPECT_GE(d.max_file_bytes, 4 * kGiB);
  EXPECT_GE(d.max_apparent_file_bytes, d.max_file_bytes);
}

TEST(LimitsTest, NamesUnsupportedCompressions) {
  EXPECT_EQ(UnsupportedCompression(std::string("LRZI\0\x06", 6)), "lrzip");
  EXPECT_EQ(UnsupportedCompression(std::string("\x89LZO\0\r\n\x1a\n\x10", 10)), "lzop");
  EXPECT_EQ(UnsupportedCompression("\x04\x22\x4d\x18...."), "lz4");
  EXPECT_EQ(UnsupportedCompression("LZIP\x01"), "lzip");
  EXPECT_EQ(UnsupportedCompression("\x1f\x9d\x90"), "compress (.Z)");
  EXPECT_EQ(UnsupportedCompression("PK\x03\x04"), "zip archive");
  EXPECT_EQ(UnsupportedCompression(std::string("GRZipII\0\x02\x04:)", 12)), "grzip");
  EXPECT_EQ(UnsupportedCompression("\x1f\x8b\x08"), std::nullopt);  // gzip: supported
  EXPECT_EQ(UnsupportedCompression(testing::BuildTar({testing::File("a", "x")})), std::nullopt);
  EXPECT_EQ(UnsupportedCompression("LRZ"), std::nullopt);
}

// UnpackLayer with Small() caps.
class LimitedUnpackTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::mkdir(dest_.c_str(), 0755), 0); }

  absl::StatusOr<UnpackResult> Unpack(const std::string& archive,
                                      const UnpackLimits& limits = Small()) {
    std::string path = dir_.path() + "/layer";
    EXPECT_TRUE(fs::WriteFileAtomically(path, archive).ok());
    UnpackOptions options;
    options.apply_ownership = ::geteuid() == 0;
    options.limits = limits;
    return UnpackLayer(path, dest_, options);
  }

  // Bytes the partial tree occupies on disk (st_blocks), to prove a bomb was
  // stopped near the cap and not after expanding.
  int64_t DiskUsage() {
    int64_t total = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dest_)) {
      struct stat st = {};
      if (::lstat(e.path().c_str(), &st) == 0) total += st.st_blocks * 512;
    }
    return total;
  }

  testing::TempDir dir_;
  std::string dest_ = dir_.path() + "/dest";
};

TEST_F(LimitedUnpackTest, GzipBombStopsAtTheByteCap) {
  UnpackLimits limits = Small();
  // Only the stream cap is below the file's size: it is the one that trips.
  limits.max_file_bytes = 64 * kMiB;
  limits.max_apparent_file_bytes = 64 * kMiB;
  std::string bomb = testing::ZeroFileTar("zeros", 64 * kMiB, Compression::kGzip);
  ASSERT_LT(bomb.size(), 200 * 1024u);  // really a bomb: >300:1
  auto result = Unpack(bomb, limits);
  ExpectExceeded(result.status(), "max_layer_bytes");
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("decompressed layer"));
  EXPECT_LE(DiskUsage(), limits.max_bytes + kMiB);
}

TEST_F(LimitedUnpackTest, BytesAfterTheEndMarkerCount) {
  // A tiny valid tar followed by 8 MiB of zeros, all gzip: the unpacker
  // hashes the tail for the diff id, so the cap must cover it too.
  std::string tar = testing::BuildTar({testing::File("a", "x")});
  std::string bomb = testing::Compress(tar + std::string(8 * kMiB, '\0'), Compression::kGzip);
  auto result = Unpack(bomb);
  ExpectExceeded(result.status(), "max_layer_bytes");
}

TEST_F(LimitedUnpackTest, TooManyEntries) {
  std::vector<testing::TarEntry> entries;
  for (int i = 0; i < 10; ++i) entries.push_back(testing::File("f" + std::to_string(i), "x"));
  ASSERT_TRUE(Unpack(testing::BuildTar(entries)).ok());  // exactly the cap

  std::filesystem::remove_all(dest_);
  ASSERT_EQ(::mkdir(dest_.c_str(), 0755), 0);
  // Whiteouts create nothing but still count: a stream of them is the
  // cheapest way to make the unpacker work.
  entries.push_back(testing::File(".wh.gone", ""));
  auto result = Unpack(testing::BuildTar(entries, Compression::kGzip));
  ExpectExceeded(result.status(), "max_layer_entries");
}

TEST_F(LimitedUnpackTest, LargeFileRefusedBeforeItIsWritten) {
  auto result = Unpack(testing::BuildTar({testing::File("big", std::string(kMiB + 1, 'b'))}));
  ExpectExceeded(result.status(), "max_layer_file_bytes");
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("'big'"));
  EXPECT_FALSE(std::filesystem::exists(dest_ + "/big"));
}

TEST_F(LimitedUnpackTest, SparseFileWithinTheApparentCapStaysSparse) {
  auto result =
      Unpack(testing::BuildTar({testing::SparseFile("lastlog", "head", 8 * kMiB)}));
  ASSERT_TRUE(result.ok()) << result.status();
  struct stat st = {};
  ASSERT_EQ(::stat((dest_ + "/lastlog").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 8 * kMiB);
  EXPECT_LT(st.st_blocks * 512, kMiB);  // the hole was not written out
  EXPECT_EQ(fs::ReadFile(dest_ + "/lastlog")->substr(0, 4), "head");
}

TEST_F(LimitedUnpackTest, SparseFileBeyondTheApparentCap) {
  // 16 MiB of length, 4 bytes of content: within every byte cap.
  std::string tar = testing::BuildTar({testing::SparseFile("huge", "data", 16 * kMiB)},
                                      Compression::kGzip);
  ASSERT_LT(tar.size(), 64 * 1024u);
  auto result = Unpack(tar);
  ExpectExceeded(result.status(), "max_layer_apparent_file_bytes");
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("sparse file 'huge'"));
  EXPECT_FALSE(std::filesystem::exists(dest_ + "/huge"));
}

TEST_F(LimitedUnpackTest, LrzipIsRefusedByName) {
  // libarchive's lrzip bidder would claim this header and run `lrzip -d`
  // (archive_read_support_filter_all); we register no such filter.
  std::string lrzip = std::string("LRZI\0\x06", 6) + std::string(64, '\x11');
  auto result = Unpack(lrzip);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("unsupported compression 'lrzip'"));
  // Also when hidden inside a compression we do read.
  result = Unpack(testing::Compress(lrzip, Compression::kXz));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("unsupported compression 'lrzip'"));
}

TEST_F(LimitedUnpackTest, LzopIsRefusedByName) {
  std::string lzop = std::string("\x89LZO\0\r\n\x1a\n\x10\x30\x20\x60", 13) + std::string(600, 'z');
  auto result = Unpack(lzop);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("unsupported compression 'lzop'"));
}

TEST_F(LimitedUnpackTest, NestedCompressionIsRefused) {
  std::string tar = testing::BuildTar({testing::File("a", "x")}, Compression::kGzip);
  auto result = Unpack(testing::Compress(tar, Compression::kZstd));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("compressed more than once (gzip inside zstd)"));
}

TEST_F(LimitedUnpackTest, NonTarDataNamesTheSupportedCompressions) {
  auto result = Unpack(std::string(3000, 'z'));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
}

}  // namespace
}  // namespace berth::imaged::layers
