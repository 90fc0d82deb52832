// The build context and COPY/ADD layers, without a daemon.
#include <archive.h>
#include <archive_entry.h>

#include <map>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/apid/builder/build_cache.h"
#include "services/apid/builder/copy_layer.h"

namespace berth::apid::builder {
namespace {

struct Entry {
  std::string path;
  std::string data;  // "/" suffix in path = directory
  int mode = 0644;
};

la_ssize_t Append(archive*, void* out, const void* buf, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), size);
  return static_cast<la_ssize_t>(size);
}

std::string Tar(const std::vector<Entry>& entries, bool gzip = false) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gzip) archive_write_add_filter_gzip(a);
  archive_write_open(a, &out, nullptr, Append, nullptr);
  for (const Entry& e : entries) {
    archive_entry* h = archive_entry_new();
    archive_entry_set_pathname(h, e.path.c_str());
    archive_entry_set_perm(h, e.mode);
    archive_entry_set_uid(h, 501);
    bool dir = !e.path.empty() && e.path.back() == '/';
    archive_entry_set_filetype(h, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_size(h, dir ? 0 : static_cast<la_int64_t>(e.data.size()));
    archive_write_header(a, h);
    if (!dir) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(h);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// path → (mode, uid, content) of a layer tar.
struct Seen {
  int mode;
  int uid;
  std::string data;
};
std::map<std::string, Seen> Read(const std::string& tar) {
  std::map<std::string, Seen> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_open_memory(a, tar.data(), tar.size());
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    if (!data.empty()) archive_read_data(a, data.data(), data.size());
    out[archive_entry_pathname(e)] = {static_cast<int>(archive_entry_perm(e)),
                                      static_cast<int>(archive_entry_uid(e)), data};
  }
  archive_read_free(a);
  return out;
}

BuildContext Context(const std::vector<Entry>& entries) {
  auto ctx = BuildContext::FromTar(Tar(entries));
  EXPECT_TRUE(ctx.ok()) << ctx.status();
  return ctx.ok() ? *ctx : BuildContext();
}

TEST(BuildContextTest, ReadsPlainAndGzipAndAppliesDockerignore) {
  std::vector<Entry> entries = {{"Dockerfile", "FROM x"}, {".dockerignore", "*.log\n!keep.log\n"},
                                {"a.log", "x"},           {"keep.log", "y"},
                                {"src/main.c", "int"}};
  auto gz = BuildContext::FromTar(Tar(entries, /*gzip=*/true));
  ASSERT_TRUE(gz.ok()) << gz.status();
  EXPECT_EQ(*gz->ReadFile("Dockerfile"), "FROM x");
  EXPECT_EQ(gz->entries().count("src"), 1u);  // implied parent directory
  ASSERT_TRUE(gz->ApplyDockerIgnore().ok());
  EXPECT_EQ(gz->entries().count("a.log"), 0u);
  EXPECT_EQ(gz->entries().count("keep.log"), 1u);
  EXPECT_EQ(gz->ReadFile("missing").status().message(),
            "Cannot locate specified Dockerfile: missing");
}

TEST(BuildContextTest, RefusesEscapingNames) {
  EXPECT_FALSE(BuildContext::FromTar(Tar({{"../evil", "x"}})).ok());
  EXPECT_FALSE(BuildContext::FromTar(Tar({{"/abs", "x"}})).ok());
  EXPECT_FALSE(BuildContext::FromTar("not a tar").ok());
}

TEST(PathMatchTest, FilepathMatchRules) {
  EXPECT_TRUE(*PathMatch("*.conf", "a.conf"));
  EXPECT_FALSE(*PathMatch("*.conf", "dir/a.conf"));
  EXPECT_TRUE(*PathMatch("dir/?.conf", "dir/a.conf"));
  EXPECT_TRUE(*PathMatch("[a-c].txt", "b.txt"));
  EXPECT_FALSE(PathMatch("[a-c.txt", "b.txt").ok());
}

TEST(CopyLayerTest, FilesDirsGlobsChownChmod) {
  BuildContext ctx = Context({{"conf/", ""}, {"conf/a.conf", "A", 0600}, {"conf/b.conf", "B"},
                              {"conf/sub/c.txt", "C"}, {"single", "S", 0755}});
  CopyRequest glob;
  glob.sources = {"conf/*.conf"};
  glob.dest = "/etc/demo/";
  glob.chown = "1000:50";
  glob.chmod = "0640";
  auto layer = BuildCopyLayer(ctx, glob);
  ASSERT_TRUE(layer.ok()) << layer.status();
  auto seen = Read(layer->tar);
  ASSERT_EQ(seen.count("etc/demo/a.conf"), 1u);
  EXPECT_EQ(seen["etc/demo/a.conf"].mode, 0640);
  EXPECT_EQ(seen["etc/demo/a.conf"].uid, 1000);
  EXPECT_EQ(seen["etc/demo/b.conf"].data, "B");

  CopyRequest dir;  // a directory's contents, relative to WORKDIR
  dir.sources = {"conf"};
  dir.dest = "cfg";
  dir.workdir = "/app";
  auto dir_layer = BuildCopyLayer(ctx, dir);
  ASSERT_TRUE(dir_layer.ok()) << dir_layer.status();
  auto dir_seen = Read(dir_layer->tar);
  EXPECT_EQ(dir_seen["app/cfg/sub/c.txt"].data, "C");
  EXPECT_EQ(dir_seen["app/cfg/a.conf"].uid, 0);  // COPY gives 0:0 without --chown
  EXPECT_EQ(dir_seen["app/cfg/a.conf"].mode, 0600);

  CopyRequest file;  // a file to a file name
  file.sources = {"single"};
  file.dest = "/usr/bin/tool";
  EXPECT_EQ(Read(BuildCopyLayer(ctx, file)->tar)["usr/bin/tool"].mode, 0755);
}

TEST(CopyLayerTest, ContentHashFollowsContentNotMtime) {
  CopyRequest req;
  req.sources = {"f"};
  req.dest = "/f";
  auto a = BuildCopyLayer(Context({{"f", "one"}}), req);
  auto b = BuildCopyLayer(Context({{"f", "one"}}), req);
  auto c = BuildCopyLayer(Context({{"f", "two"}}), req);
  EXPECT_EQ(a->content_hash, b->content_hash);
  EXPECT_NE(a->content_hash, c->content_hash);
}

TEST(CopyLayerTest, AddExtractsLocalArchives) {
  std::string inner = Tar({{"pkg/", ""}, {"pkg/x", "X"}}, /*gzip=*/true);
  BuildContext ctx = Context({{"pkg.tar.gz", inner}, {"plain.txt", "P"}});
  CopyRequest add;
  add.add = true;
  add.instruction = "ADD";
  add.sources = {"pkg.tar.gz", "plain.txt"};
  add.dest = "/opt/";
  auto layer = BuildCopyLayer(ctx, add);
  ASSERT_TRUE(layer.ok()) << layer.status();
  auto seen = Read(layer->tar);
  EXPECT_EQ(seen["opt/pkg/x"].data, "X");
  EXPECT_EQ(seen["opt/plain.txt"].data, "P");
  EXPECT_EQ(seen.count("opt/pkg.tar.gz"), 0u);
  // COPY does not extract.
  add.add = false;
  EXPECT_EQ(Read(BuildCopyLayer(ctx, add)->tar).count("opt/pkg.tar.gz"), 1u);
}

TEST(CopyLayerTest, ErrorsWithDockersWords) {
  BuildContext ctx = Context({{"a", "1"}, {"b", "2"}});
  CopyRequest many;
  many.sources = {"a", "b"};
  many.dest = "/x";
  EXPECT_EQ(BuildCopyLayer(ctx, many).status().message(),
            "When using COPY with more than one source file, the destination must be a "
            "directory and end with a /");
  CopyRequest missing;
  missing.sources = {"nope"};
  missing.dest = "/x";
  EXPECT_EQ(BuildCopyLayer(ctx, missing).status().message(),
            "file not found in build context or excluded by .dockerignore: stat nope: file does "
            "not exist");
  missing.sources = {"*.none"};
  EXPECT_EQ(BuildCopyLayer(ctx, missing).status().message(), "no source files were specified");
  CopyRequest url;
  url.add = true;
  url.instruction = "ADD";
  url.sources = {"https://example.com/x.tar"};
  url.dest = "/";
  EXPECT_EQ(BuildCopyLayer(ctx, url).status().code(), absl::StatusCode::kPermissionDenied);
  CopyRequest names;
  names.sources = {"a"};
  names.dest = "/a";
  names.chown = "nobody";
  EXPECT_FALSE(BuildCopyLayer(ctx, names).ok());
  EXPECT_EQ(*ParseChown("root"), std::make_pair(0u, 0u));
  EXPECT_EQ(*ParseChown("7"), std::make_pair(7u, 7u));
}

TEST(BuildCacheTest, PersistsAcrossInstancesAndKeysDiffer) {
  std::string path = ::testing::TempDir() + "/build-cache-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json";
  std::remove(path.c_str());
  {
    BuildCache cache(path);
    ASSERT_TRUE(cache.Put(CacheKey({"p", "RUN x"}), "sha256:1").ok());
  }
  BuildCache reopened(path);
  EXPECT_EQ(reopened.Lookup(CacheKey({"p", "RUN x"})), "sha256:1");
  EXPECT_EQ(reopened.Lookup(CacheKey({"p", "RUN y"})), "");
  // Length prefixes: ("ab","c") and ("a","bc") are different keys.
  EXPECT_NE(CacheKey({"ab", "c"}), CacheKey({"a", "bc"}));
  reopened.Forget(CacheKey({"p", "RUN x"}));
  EXPECT_EQ(BuildCache(path).size(), 0u);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace berth::apid::builder
