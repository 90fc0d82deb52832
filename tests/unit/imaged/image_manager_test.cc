#include "services/imaged/image_manager.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>

#include "common/fs/fs.h"
#include "services/imaged/content/digest.h"
#include "services/imaged/metadata/image_config.h"
#include "tests/unit/imaged/manager_fixture.h"

namespace berth::imaged {
namespace {

using testing::ManagerTest;

std::string ShortIdOfLowerDir(const std::string& option) {
  // "lowerdir=<state>/layers/<short>/diff"
  std::filesystem::path p(option.substr(std::string("lowerdir=").size()));
  return p.parent_path().filename();
}

TEST_F(ManagerTest, ImportBuildsImageConfigLayerAndTag) {
  std::string tar = SmallRootfs();
  auto image = Import(tar, "docker.io/library/busybox");
  ASSERT_TRUE(image.ok()) << image.status();

  // The id is the digest of the stored config blob.
  auto config_json = fs::ReadFile(paths().blob(image->id.substr(7)));
  ASSERT_TRUE(config_json.ok());
  EXPECT_EQ(image->id, content::DigestOf(*config_json));
  auto config = metadata::ParseOciImage(*config_json);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->diff_ids, std::vector<std::string>{testing::Sha256Of(tar)});
  EXPECT_EQ(config->comment, "Imported from -");
  EXPECT_EQ(config->config, metadata::ImageConfig{});  // docker import: empty config
  EXPECT_NE(config_json->find(R"("config":{})"), std::string::npos);

  EXPECT_EQ(image->repo_tags, std::vector<std::string>{"busybox:latest"});
  EXPECT_EQ(image->diff_ids, std::vector<std::string>{testing::Sha256Of(tar)});
  EXPECT_EQ(image->created, now_);
  EXPECT_EQ(image->architecture, "amd64");
  EXPECT_EQ(image->os, "linux");
  EXPECT_EQ(image->size, 14 + 7 + 6);

  auto snapshot = manager_->PrepareSnapshot("c1", image->id);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  std::string short_id = ShortIdOfLowerDir((*snapshot)[0].options[0]);
  std::string diff = paths().layer_diff(short_id);
  EXPECT_EQ(*fs::ReadFile(diff + "/bin/busybox"), "#!fake busybox");
  EXPECT_EQ(std::filesystem::read_symlink(diff + "/bin/sh"), "busybox");
  struct stat st;
  ASSERT_EQ(::stat((diff + "/bin/busybox").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  // The compressed blob as uploaded is kept, by digest.
  EXPECT_EQ(*fs::ReadFile(paths().blob(testing::Sha256Of(tar).substr(7))), tar);
  EXPECT_EQ(Count(paths().tmp_dir()), 0);
}

TEST_F(ManagerTest, ImportAppliesChangesMessageAndTagOverride) {
  auto image = Import(SmallRootfs(), "myimg:one", {R"(CMD ["/bin/sh"])", "ENV A=b", "EXPOSE 80"},
                      "two");
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->repo_tags, std::vector<std::string>{"myimg:two"});
  EXPECT_EQ(image->config.cmd, std::vector<std::string>{"/bin/sh"});
  EXPECT_EQ(image->config.env, std::vector<std::string>{"A=b"});
  EXPECT_EQ(image->config.exposed_ports, std::vector<std::string>{"80/tcp"});

  ImportOptions options;
  options.message = "my message";
  std::string tar = SmallRootfs();
  bool sent = false;
  auto commented = manager_->Import(options, [&]() -> absl::StatusOr<std::optional<std::string>> {
    if (sent) return std::nullopt;
    sent = true;
    return tar;
  });
  ASSERT_TRUE(commented.ok()) << commented.status();
  EXPECT_EQ(commented->comment, "my message");
  EXPECT_TRUE(commented->repo_tags.empty());
}

TEST_F(ManagerTest, SameContentTwiceSharesTheLayer) {
  auto a = Import(SmallRootfs(), "a");
  auto b = Import(testing::BuildTar({testing::Dir("bin"),
                                     testing::File("bin/busybox", "#!fake busybox", 0755),
                                     testing::Symlink("bin/sh", "busybox"), testing::Dir("etc"),
                                     testing::File("etc/hostname", "berth\n", 0644)},
                                    testing::Compression::kGzip),
                  "b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->id, b->id);  // different "created"
  EXPECT_EQ(a->diff_ids, b->diff_ids);
  auto layer_dirs = std::distance(std::filesystem::directory_iterator(paths().layers_dir()),
                                  std::filesystem::directory_iterator());
  EXPECT_EQ(layer_dirs, 1);
  EXPECT_EQ(Count(paths().tmp_dir()), 0);
}

TEST_F(ManagerTest, BadReferenceOrChangesFailBeforeReading) {
  bool read = false;
  ImportOptions options;
  options.repo = "Bad/Name";
  auto image = manager_->Import(options, [&]() -> absl::StatusOr<std::optional<std::string>> {
    read = true;
    return std::nullopt;
  });
  EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(image.status().message().find("invalid reference format"), std::string::npos);
  options.repo = "good";
  options.changes = {"RUN rm -rf /"};
  image = manager_->Import(options, [&]() -> absl::StatusOr<std::optional<std::string>> {
    read = true;
    return std::nullopt;
  });
  EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(read);
}

struct HostileImport {
  std::string name;
  std::vector<testing::TarEntry> entries;
};

void PrintTo(const HostileImport& c, std::ostream* os) { *os << c.name; }

class HostileImportTest : public ManagerTest,
                          public ::testing::WithParamInterface<HostileImport> {};

TEST_P(HostileImportTest, RefusedAndNothingLeftBehind) {
  auto image = Import(testing::BuildTar(GetParam().entries, testing::Compression::kGzip), "evil");
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument) << image.status();
  EXPECT_TRUE(manager_->List().empty());
  EXPECT_EQ(Count(paths().blobs_dir()), 0);
  EXPECT_EQ(Count(paths().layers_dir()), 0);
  EXPECT_EQ(Count(paths().images_dir()), 0);
  EXPECT_EQ(Count(paths().tmp_dir()), 0);
  EXPECT_EQ(manager_->Inspect("evil").status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists("/etc/x-imaged-test"));
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, HostileImportTest,
    ::testing::Values(
        HostileImport{"dotdot", {testing::File("../../x-imaged-test", "x")}},
        HostileImport{"absolute", {testing::File("/etc/x-imaged-test", "x")}},
        HostileImport{"symlink_parent",
                      {testing::Symlink("a", "/"), testing::File("a/etc/x-imaged-test", "x")}},
        HostileImport{"hardlink_out", {testing::Hardlink("p", "/etc/passwd")}},
        HostileImport{"hardlink_dotdot", {testing::File("ok", "fine"),
                                          testing::Hardlink("p", "../../../etc/passwd")}}),
    [](const auto& info) { return info.param.name; });

TEST_F(ManagerTest, ReaderErrorLeavesNothing) {
  std::string tar = SmallRootfs();
  int calls = 0;
  auto image = manager_->Import({}, [&]() -> absl::StatusOr<std::optional<std::string>> {
    if (++calls > 1) return absl::CancelledError("client went away");
    return tar.substr(0, 700);
  });
  EXPECT_EQ(image.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Count(paths().tmp_dir()), 0);
  EXPECT_EQ(Count(paths().blobs_dir()), 0);
}

TEST_F(ManagerTest, ResolvesTagsIdsAndPrefixes) {
  auto image = Import(SmallRootfs(), "busybox");
  ASSERT_TRUE(image.ok());
  std::string hex = image->id.substr(7);
  for (const std::string& ref : std::vector<std::string>{"busybox", "busybox:latest", "docker.io/library/busybox", "docker.io/library/busybox:latest",
        image->id, hex, hex.substr(0, 12), "sha256:" + hex.substr(0, 5)}) {
    auto found = manager_->Inspect(ref);
    ASSERT_TRUE(found.ok()) << ref << ": " << found.status();
    EXPECT_EQ(found->id, image->id) << ref;
  }
  for (const std::string& ref : std::vector<std::string>{"nope", "busybox:other", "sha256:" + std::string(64, 'f'),
                                "sha256:zz", "busybox@sha256:" + std::string(64, 'a')}) {
    auto found = manager_->Inspect(ref);
    EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << ref;
    EXPECT_EQ(found.status().message(), "No such image: " + ref);
  }
  EXPECT_EQ(manager_->Inspect("Upper:Case").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ManagerTest, AmbiguousPrefixIsInvalidArgument) {
  // 17 images cannot all start with different hex digits.
  std::map<char, std::string> by_first;
  char shared = 0;
  for (int i = 0; i < 17 && shared == 0; ++i) {
    auto image = Import(SmallRootfs());
    ASSERT_TRUE(image.ok()) << image.status();
    char c = image->id[7];
    if (by_first.count(c) > 0) shared = c;
    by_first[c] = image->id;
  }
  ASSERT_NE(shared, 0);
  auto found = manager_->Inspect(std::string(1, shared));
  EXPECT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument) << found.status();
  EXPECT_EQ(manager_->List().size(), Count(paths().images_dir()));
}

TEST_F(ManagerTest, TagAndList) {
  auto image = Import(SmallRootfs(), "busybox");
  ASSERT_TRUE(image.ok());
  ASSERT_TRUE(manager_->Tag("busybox", "localhost:5000/team/bb:v1").ok());
  ASSERT_TRUE(manager_->Tag(image->id.substr(7, 10), "docker.io/library/other").ok());
  EXPECT_EQ(manager_->Tag("missing", "x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(manager_->Tag("busybox", "NOPE").code(), absl::StatusCode::kInvalidArgument);
  auto listed = manager_->List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].repo_tags, (std::vector<std::string>{
                                     "busybox:latest", "localhost:5000/team/bb:v1",
                                     "other:latest"}));
  // Moving a tag to another image.
  auto second = Import(SmallRootfs());
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(manager_->Tag(second->id, "busybox").ok());
  EXPECT_EQ(manager_->Inspect("busybox")->id, second->id);
  EXPECT_EQ(manager_->Inspect(image->id)->repo_tags.size(), 2u);
}

TEST_F(ManagerTest, SnapshotsPrepareListRemove) {
  auto image = Import(SmallRootfs(), "busybox");
  ASSERT_TRUE(image.ok());
  std::string key(64, 'c');
  auto mounts = manager_->PrepareSnapshot(key, image->id);
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_EQ(mounts->size(), 1u);
  const snapshots::Mount& m = (*mounts)[0];
  EXPECT_EQ(m.type, "overlay");
  EXPECT_EQ(m.source, "overlay");
  EXPECT_EQ(m.target, "/");
  ASSERT_EQ(m.options.size(), 3u);
  std::string short_id = ShortIdOfLowerDir(m.options[0]);
  EXPECT_EQ(short_id.size(), 16u);
  EXPECT_EQ(m.options[0], "lowerdir=" + paths().layer_diff(short_id));
  EXPECT_EQ(m.options[1], "upperdir=" + state_dir_ + "/snapshots/" + key + "/upper");
  EXPECT_EQ(m.options[2], "workdir=" + state_dir_ + "/snapshots/" + key + "/work");
  EXPECT_TRUE(std::filesystem::is_directory(paths().snapshot_upper(key)));
  EXPECT_TRUE(std::filesystem::is_directory(paths().snapshot_work(key)));

  EXPECT_EQ(manager_->PrepareSnapshot(key, image->id).status().code(),
            absl::StatusCode::kAlreadyExists);
  auto missing = manager_->PrepareSnapshot("other", "sha256:" + std::string(64, 'e'));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "No such image: sha256:" + std::string(64, 'e'));
  EXPECT_EQ(manager_->PrepareSnapshot("../x", image->id).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(manager_->ListSnapshots(), std::vector<std::string>{key});

  ASSERT_TRUE(manager_->RemoveSnapshot(key).ok());
  EXPECT_TRUE(manager_->RemoveSnapshot(key).ok());
  EXPECT_TRUE(manager_->RemoveSnapshot("never-existed").ok());
  EXPECT_TRUE(manager_->ListSnapshots().empty());
  EXPECT_FALSE(std::filesystem::exists(paths().snapshot_dir(key)));
  EXPECT_TRUE(manager_->Inspect("busybox").ok());
}

TEST_F(ManagerTest, RestartKeepsStateAndCleansLeftovers) {
  auto image = Import(SmallRootfs(), "busybox:1");
  ASSERT_TRUE(image.ok());
  ASSERT_TRUE(manager_->PrepareSnapshot("c1", "busybox:1").ok());
  // What a crash can leave: staging dirs, a half-published layer without
  // meta.json, an unreferenced blob.
  ASSERT_TRUE(fs::MakeDirs(paths().tmp_dir() + "/layer-zzz/diff/etc").ok());
  ASSERT_TRUE(fs::WriteFileAtomically(paths().tmp_dir() + "/ingest-zzz", "partial").ok());
  ASSERT_TRUE(fs::MakeDirs(paths().layer_diff("orphanlayer00000")).ok());
  std::string orphan_blob = content::DigestOf("orphan");
  ASSERT_TRUE(fs::WriteFileAtomically(paths().blob(orphan_blob.substr(7)), "orphan").ok());

  Open();
  auto found = manager_->Inspect("busybox:1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->id, image->id);
  EXPECT_EQ(found->created, image->created);
  EXPECT_EQ(found->diff_ids, image->diff_ids);
  EXPECT_EQ(found->size, image->size);
  EXPECT_EQ(manager_->ListSnapshots(), std::vector<std::string>{"c1"});
  EXPECT_EQ(Count(paths().tmp_dir()), 0);
  EXPECT_FALSE(std::filesystem::exists(paths().layer_dir("orphanlayer00000")));
  EXPECT_FALSE(std::filesystem::exists(paths().blob(orphan_blob.substr(7))));
  auto mounts = manager_->PrepareSnapshot("c2", image->id);
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  EXPECT_TRUE(std::filesystem::exists(
      paths().layer_diff(ShortIdOfLowerDir((*mounts)[0].options[0])) + "/bin/busybox"));
}

TEST_F(ManagerTest, RefusesAnotherSchemaVersion) {
  manager_.reset();
  ASSERT_TRUE(fs::WriteFileAtomically(state_dir_ + "/VERSION", "2\n").ok());
  ImageManagerOptions options;
  options.state_dir = state_dir_;
  auto manager = ImageManager::Create(options);
  ASSERT_FALSE(manager.ok());
  EXPECT_EQ(manager.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(manager.status().message().find("schema version '2'"), std::string::npos)
      << manager.status();
}

TEST_F(ManagerTest, RefusesStateDirThatBreaksOverlayOptions) {
  ImageManagerOptions options;
  options.state_dir = dir_.path() + "/a,b";
  EXPECT_EQ(ImageManager::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
}

class MetricsTest : public ManagerTest {
 protected:
  void SetUp() override {
    metrics_holder_ = ImagedMetrics::Create(registry_);
    metrics_ = metrics_holder_.get();
    Open();
  }
  double Value(const std::string& name, const std::string& label_value = "") {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        if (!label_value.empty() &&
            (metric.label.empty() || metric.label[0].value != label_value)) {
          continue;
        }
        return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                              : metric.gauge.value;
      }
    }
    return -1;
  }
  prometheus::Registry registry_;
  std::unique_ptr<ImagedMetrics> metrics_holder_;
};

TEST_F(MetricsTest, GaugesAndCountersFollowTheStore) {
  std::string tar = SmallRootfs();
  ASSERT_TRUE(Import(tar, "a").ok());
  ASSERT_FALSE(Import(testing::BuildTar({testing::File("/abs", "x")}), "b").ok());
  ASSERT_TRUE(manager_->PrepareSnapshot("c1", "a").ok());
  EXPECT_EQ(Value("berth_imaged_images"), 1);
  EXPECT_EQ(Value("berth_imaged_layers"), 1);
  EXPECT_EQ(Value("berth_imaged_snapshots"), 1);
  EXPECT_GE(Value("berth_imaged_import_bytes_total"), static_cast<double>(tar.size()));
  EXPECT_EQ(Value("berth_imaged_imports_total", "ok"), 1);
  EXPECT_EQ(Value("berth_imaged_imports_total", "error"), 1);
  ASSERT_TRUE(manager_->RemoveSnapshot("c1").ok());
  EXPECT_EQ(Value("berth_imaged_snapshots"), 0);
}

}  // namespace
}  // namespace berth::imaged
