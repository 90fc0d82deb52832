// Hostile layers through the real docker CLI against a private stack with
// imaged's default limits: an entry-count gzip bomb (~2.5 MB that expands to
// 1.1 million tar headers, 550 MiB), a layer whose header declares a file over
// the default file cap, and lrzip layers (crafted magic and, when the tool is
// installed, a real one). Each `docker import` fails with an error naming the
// limit or the compression; `docker images` is unchanged, the image imported
// before still runs, and imaged's store has nothing left in tmp/ and is 0700.
#include <sys/stat.h>

#include <chrono>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;

// Writes hostile layers with Python's tarfile and gzip (no compression work
// for the bomb: one small gzip member repeated, which gzip readers must
// accept as a multi-member stream).
constexpr char kMakeLayers[] = R"PY(
import gzip, sys, tarfile
out = sys.argv[1]
# 1,126,400 whiteout headers: past the default --max_layer_entries (2^20).
# Whiteouts create nothing on disk, so only the count cap can stop them.
header = tarfile.TarInfo(".wh.gone").tobuf(format=tarfile.USTAR_FORMAT)
member = gzip.compress(header * 1024, compresslevel=9)
with open(out + "/entry-bomb.tar.gz", "wb") as f:
    f.write(member * 1100)
    f.write(gzip.compress(b"\0" * 1024))
# A header declaring 40 GiB (default --max_layer_file_bytes is 32 GiB)
# followed by 1 MiB of the zeros it promises.
big = tarfile.TarInfo("huge")
big.size = 40 << 30
with open(out + "/declared-40g.tar.gz", "wb") as f:
    f.write(gzip.compress(big.tobuf(format=tarfile.GNU_FORMAT) + b"\0" * (1 << 20)))
# The magic libarchive's lrzip reader claims (it would run `lrzip -d`).
with open(out + "/crafted.tar.lrz", "wb") as f:
    f.write(b"LRZI\x00\x06" + b"\x42" * 8192)
)PY";

class HostileLayersTest : public BusyboxStackTest {
 protected:
  void SetUp() override {
    BusyboxStackTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    layers_ = stack_->root() + "/hostile";
    ASSERT_EQ(stack_->Shell("mkdir -p " + layers_).exit_code, 0);
    std::ofstream(layers_ + "/make.py") << kMakeLayers;
    CommandResult made = stack_->Shell("python3 " + layers_ + "/make.py " + layers_);
    ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
    images_before_ = Images();
    ASSERT_THAT(images_before_, HasSubstr("busybox:latest"));
  }
  void TearDown() override { stack_.reset(); }

  std::string Images() {
    CommandResult images =
        stack_->Docker("images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'");
    EXPECT_EQ(images.exit_code, 0) << images.err;
    return images.out;
  }

  // `docker import` of `file` fails with `text` in its error, and the store
  // looks exactly as before.
  void ExpectRefused(const std::string& file, const std::string& text) {
    CommandOptions options;
    options.timeout = std::chrono::seconds(120);
    auto start = std::chrono::steady_clock::now();
    CommandResult imported = stack_->Docker("import " + file + " evil:latest", options);
    long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
    std::printf("docker import %s: refused after %lld ms\n", file.c_str(), ms);
    EXPECT_NE(imported.exit_code, 0) << imported.out;
    EXPECT_FALSE(imported.timed_out);
    EXPECT_THAT(imported.err, HasSubstr(text));
    std::printf("  error: %s", imported.err.c_str());
    EXPECT_EQ(Images(), images_before_);
    std::string state = stack_->root() + "/lib/imaged";
    CommandResult tmp = stack_->Shell("ls -A " + state + "/tmp");
    EXPECT_EQ(tmp.exit_code, 0) << tmp.err;
    EXPECT_EQ(tmp.out, "") << "left in imaged's tmp/";
  }

  std::string layers_;
  std::string images_before_;
};

TEST_F(HostileLayersTest, EntryCountGzipBombIsRefused) {
  ExpectRefused(layers_ + "/entry-bomb.tar.gz", "--max_layer_entries");
  // The image that was there still runs (from the same 0700 store).
  CommandResult run = stack_->Docker("run --rm busybox cat /etc/hostname");
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

TEST_F(HostileLayersTest, DeclaredHugeFileIsRefused) {
  ExpectRefused(layers_ + "/declared-40g.tar.gz", "--max_layer_file_bytes");
}

TEST_F(HostileLayersTest, LrzipLayersAreRefused) {
  ExpectRefused(layers_ + "/crafted.tar.lrz", "unsupported compression 'lrzip'");
  if (stack_->Shell("command -v lrzip").exit_code != 0) {
    std::printf("no lrzip tool: only the crafted header was tried\n");
    return;
  }
  std::string real = layers_ + "/real.tar.lrz";
  CommandResult made = stack_->Shell("tar -C " + layers_ + " -cf - make.py | lrzip -q -o " + real);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  ExpectRefused(real, "unsupported compression 'lrzip'");
}

TEST_F(HostileLayersTest, ImagedStoreIsPrivate) {
  std::string state = stack_->root() + "/lib/imaged";
  for (const char* dir : {"", "/tmp", "/blobs", "/blobs/sha256", "/layers", "/images",
                          "/snapshots"}) {
    struct stat st = {};
    std::string path = state + dir;
    ASSERT_EQ(::lstat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 07777, 0700u) << path;
  }
}

}  // namespace
}  // namespace berth::e2e
