// Save/Load (both layouts, hostile archives), History and Prune on ImageManager.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "tests/unit/imaged/manager_fixture.h"

namespace berth::imaged {
namespace {

using testing::BuildTar;
using testing::Dir;
using testing::File;
using testing::ManagerTest;
using testing::Symlink;
using testing::TarEntry;

// The entries of a tar (files, dirs, symlinks), to inspect or rewrite one.
std::vector<TarEntry> ReadTar(const std::string& tar) {
  std::vector<TarEntry> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    TarEntry entry;
    entry.path = archive_entry_pathname(e);
    if (archive_entry_filetype(e) == AE_IFDIR) {
      entry.type = TarEntry::Type::kDir;
    } else if (archive_entry_filetype(e) == AE_IFLNK) {
      entry.type = TarEntry::Type::kSymlink;
      entry.link = archive_entry_symlink(e);
    } else {
      std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
      if (!data.empty()) archive_read_data(a, data.data(), data.size());
      entry.data = std::move(data);
    }
    out.push_back(std::move(entry));
  }
  archive_read_free(a);
  return out;
}

int Children(const std::string& dir) {
  return static_cast<int>(std::distance(std::filesystem::directory_iterator(dir),
                                        std::filesystem::directory_iterator()));
}

std::map<std::string, std::string> Files(const std::string& tar) {
  std::map<std::string, std::string> out;
  for (const TarEntry& e : ReadTar(tar)) {
    if (e.type == TarEntry::Type::kFile) out[e.path] = e.data;
  }
  return out;
}

// `tar` without the entries `drop` names (and with `add` appended).
std::string Rewrite(const std::string& tar, const std::vector<std::string>& drop,
                    std::vector<TarEntry> add = {}) {
  std::vector<TarEntry> entries;
  for (TarEntry& e : ReadTar(tar)) {
    if (std::find(drop.begin(), drop.end(), e.path) == drop.end()) entries.push_back(e);
  }
  for (TarEntry& e : add) entries.push_back(std::move(e));
  return BuildTar(entries);
}

class ArchiveTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    auto base = Import(SmallRootfs(), "base:1", {R"(LABEL tier=base)"});
    ASSERT_TRUE(base.ok()) << base.status();
    base_ = *base;
    // A second layer that deletes a file of the first (a whiteout) when we
    // may make overlay whiteouts (root); otherwise one that only adds.
    std::vector<TarEntry> layer = {Dir("etc"), File("etc/motd", "hello\n")};
    if (::geteuid() == 0) layer.push_back(File("etc/.wh.hostname", ""));
    DerivedImageOptions derived;
    derived.parent = base_.id;
    derived.created_by = "/bin/sh -c echo hello > /etc/motd";
    derived.tag = "app:2";
    derived.config.labels["tier"] = "app";
    now_ += absl::Seconds(10);
    auto app = manager_->CreateImage(derived, Chunks(BuildTar(layer)));
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = *app;
  }

  static ChunkReader Chunks(const std::string& data) {
    auto offset = std::make_shared<size_t>(0);
    return [data, offset]() -> absl::StatusOr<std::optional<std::string>> {
      if (*offset >= data.size()) return std::nullopt;
      std::string chunk = data.substr(*offset, 4096);
      *offset += chunk.size();
      return chunk;
    };
  }

  std::string Save(const std::vector<std::string>& refs) {
    std::string tar;
    absl::Status s = manager_->Save(refs, [&](const void* d, size_t n) {
      tar.append(static_cast<const char*>(d), n);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return tar;
  }

  absl::StatusOr<LoadResult> Load(const std::string& tar) { return manager_->Load(Chunks(tar)); }

  // What must not change when a load is refused.
  struct StoreState {
    std::vector<std::string> images;
    int blobs = 0;
    int layers = 0;
    int tmp = 0;
    bool operator==(const StoreState&) const = default;
  };
  StoreState State() {
    StoreState s;
    for (const Image& i : manager_->List()) s.images.push_back(i.id);
    s.blobs = Count(paths().blobs_dir());
    s.layers = Count(paths().layers_dir()) ;
    s.tmp = Count(paths().tmp_dir());
    return s;
  }

  void RemoveBoth() {
    ASSERT_TRUE(manager_->Remove("app:2", false).ok());
    ASSERT_TRUE(manager_->Remove("base:1", false).ok());
    ASSERT_TRUE(manager_->List().empty());
  }

  Image base_;
  Image app_;
};

TEST_F(ArchiveTest, SaveWritesBothLayoutsSharingBlobs) {
  std::map<std::string, std::string> files = Files(Save({"app:2"}));
  ASSERT_TRUE(files.count("manifest.json") && files.count("index.json") &&
              files.count("oci-layout") && files.count("repositories"));
  auto manifest = nlohmann::json::parse(files["manifest.json"]);
  ASSERT_EQ(manifest.size(), 1u);
  EXPECT_EQ(manifest[0]["Config"], "blobs/sha256/" + app_.id.substr(7));
  EXPECT_EQ(manifest[0]["RepoTags"], nlohmann::json::array({"app:2"}));
  ASSERT_EQ(manifest[0]["Layers"].size(), 2u);
  for (const auto& layer : manifest[0]["Layers"]) EXPECT_TRUE(files.count(layer.get<std::string>()));
  EXPECT_EQ(testing::Sha256Of(files["blobs/sha256/" + app_.id.substr(7)]), app_.id);

  auto index = nlohmann::json::parse(files["index.json"]);
  ASSERT_EQ(index["manifests"].size(), 1u);
  EXPECT_EQ(index["manifests"][0]["annotations"]["io.containerd.image.name"],
            "docker.io/library/app:2");
  std::string digest = index["manifests"][0]["digest"];
  auto oci = nlohmann::json::parse(files["blobs/sha256/" + digest.substr(7)]);
  EXPECT_EQ(oci["config"]["digest"], app_.id);
  EXPECT_EQ(oci["layers"].size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(files["oci-layout"])["imageLayoutVersion"], "1.0.0");

  // A repository name saves all its tags; an id saves none.
  ASSERT_TRUE(manager_->Tag("app:2", "app:latest").ok());
  auto by_repo = nlohmann::json::parse(Files(Save({"app"}))["manifest.json"]);
  EXPECT_EQ(by_repo[0]["RepoTags"].size(), 2u);
  auto by_id = nlohmann::json::parse(Files(Save({app_.id}))["manifest.json"]);
  EXPECT_TRUE(by_id[0]["RepoTags"].is_null());
  absl::Status missing = manager_->Save({"nothing:here"}, [](const void*, size_t) {
    return absl::OkStatus();
  });
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
}

TEST_F(ArchiveTest, RoundTripKeepsIdsAndTagsInEachLayout) {
  const std::string saved = Save({"app:2", "base:1"});
  for (const char* layout : {"both", "docker", "oci"}) {
    SCOPED_TRACE(layout);
    RemoveBoth();
    std::string tar = saved;
    if (std::string(layout) == "docker") tar = Rewrite(saved, {"index.json", "oci-layout"});
    if (std::string(layout) == "oci") tar = Rewrite(saved, {"manifest.json", "repositories"});
    absl::StatusOr<LoadResult> loaded = Load(tar);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    std::vector<std::string> tags = loaded->tags;
    std::sort(tags.begin(), tags.end());
    EXPECT_EQ(tags, (std::vector<std::string>{"app:2", "base:1"}));
    EXPECT_EQ(loaded->layers.size(), 2u);  // shared base layer received once
    auto app = manager_->Inspect("app:2");
    ASSERT_TRUE(app.ok()) << app.status();
    EXPECT_EQ(app->id, app_.id);
    EXPECT_EQ(app->diff_ids, app_.diff_ids);
    EXPECT_EQ(app->config.labels.at("tier"), "app");
    EXPECT_EQ(manager_->Inspect("base:1")->id, base_.id);
    EXPECT_EQ(Count(paths().tmp_dir()), 0);
    // The loaded image runs: its layers stack (and the whiteout hides).
    auto mounts = manager_->PrepareSnapshot(std::string("c-") + layout, app->id);
    ASSERT_TRUE(mounts.ok()) << mounts.status();
    ASSERT_TRUE(manager_->RemoveSnapshot(std::string("c-") + layout).ok());
  }
  // Loading what is stored already is a no-op that keeps the tags.
  absl::StatusOr<LoadResult> again = Load(saved);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->layers.empty());
}

TEST_F(ArchiveTest, UntaggedImageLoadsById) {
  std::string tar = Save({app_.id});
  RemoveBoth();
  absl::StatusOr<LoadResult> loaded = Load(tar);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->tags.empty());
  EXPECT_EQ(loaded->untagged_ids, std::vector<std::string>{app_.id});
}

TEST_F(ArchiveTest, HostileOrBrokenArchivesAreRefusedAndLeaveNothing) {
  const std::string saved = Save({"app:2"});
  RemoveBoth();
  std::map<std::string, std::string> files = Files(saved);
  auto manifest = nlohmann::json::parse(files["manifest.json"]);
  const std::string config_path = manifest[0]["Config"];
  const std::string top_layer = manifest[0]["Layers"][1];
  auto with_manifest = [&](nlohmann::json m) {
    TarEntry e = File("manifest.json", m.dump());
    return Rewrite(saved, {"manifest.json"}, {e});
  };
  nlohmann::json escaping = manifest;
  escaping[0]["Layers"][1] = "../../../../etc/passwd";
  nlohmann::json through_symlink = manifest;
  through_symlink[0]["Layers"][1] = "evil/layer.tar";
  nlohmann::json wrong_count = manifest;
  wrong_count[0]["Layers"].erase(1);
  nlohmann::json swapped = manifest;  // layers in the wrong order: diff ids differ
  std::swap(swapped[0]["Layers"][0], swapped[0]["Layers"][1]);

  std::string wrong_config = files[config_path];
  wrong_config.back() = ' ';  // still JSON, another digest than the OCI manifest says
  std::string truncated_layer = files[top_layer].substr(0, files[top_layer].size() / 2);

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"dotdot entry", BuildTar({File("../escape", "x"), File("manifest.json", "[]")})},
      {"absolute entry", BuildTar({File("/tmp/escape-berth", "x")})},
      {"layer path escapes", with_manifest(escaping)},
      {"layer via absolute symlink",
       Rewrite(with_manifest(through_symlink), {}, {Dir("evil"), Symlink("evil/layer.tar", "/etc/passwd")})},
      {"layer count mismatch", with_manifest(wrong_count)},
      {"layers swapped", with_manifest(swapped)},
      {"OCI config digest wrong",
       Rewrite(saved, {"manifest.json", config_path}, {File(config_path, wrong_config)})},
      {"truncated layer", Rewrite(saved, {top_layer}, {File(top_layer, truncated_layer)})},
      {"neither layout", BuildTar({File("hello", "x")})},
      {"not a tar", std::string(4096, 'z')},
  };
  const StoreState before = State();
  for (const auto& [name, tar] : cases) {
    SCOPED_TRACE(name);
    absl::StatusOr<LoadResult> loaded = Load(tar);
    EXPECT_FALSE(loaded.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(loaded.status()) || absl::IsDataLoss(loaded.status()))
        << loaded.status();
    EXPECT_EQ(State(), before);
  }
  EXPECT_EQ(::access("/tmp/escape-berth", F_OK), -1);
}

TEST_F(ArchiveTest, HistoryNewestFirstWithParentIdsAndLayerSizes) {
  absl::StatusOr<std::vector<HistoryItem>> history = manager_->History("app:2");
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 2u);
  const HistoryItem& top = (*history)[0];
  EXPECT_EQ(top.id, app_.id);
  EXPECT_EQ(top.tags, std::vector<std::string>{"app:2"});
  EXPECT_EQ(top.created_by, "/bin/sh -c echo hello > /etc/motd");
  EXPECT_EQ(top.size, 6);  // "hello\n"
  const HistoryItem& bottom = (*history)[1];
  EXPECT_EQ(bottom.id, base_.id);  // the stored parent
  EXPECT_EQ(bottom.tags, std::vector<std::string>{"base:1"});
  EXPECT_GT(bottom.size, 0);
  EXPECT_LT(bottom.created, top.created);

  // Loaded without its parent record, the lower step is "<missing>".
  std::string tar = Save({"app:2"});
  RemoveBoth();
  ASSERT_TRUE(Load(tar).ok());
  history = manager_->History("app:2");
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].id, app_.id);
  EXPECT_EQ((*history)[1].id, "<missing>");
  EXPECT_TRUE(absl::IsNotFound(manager_->History("nothing").status()));
}

TEST_F(ArchiveTest, PruneDanglingThenAllKeepingImagesInUse) {
  // A dangling image: untagged and nobody's parent.
  auto dangling = Import(BuildTar({File("only", "x")}), "");
  ASSERT_TRUE(dangling.ok());
  auto used = Import(BuildTar({File("used", "yy")}), "used:1");
  ASSERT_TRUE(used.ok());
  ASSERT_TRUE(manager_->PrepareSnapshot("container-1", used->id).ok());

  absl::StatusOr<PruneResult> pruned = manager_->Prune({});
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_TRUE(std::find(pruned->deleted.begin(), pruned->deleted.end(), dangling->id) !=
              pruned->deleted.end());
  EXPECT_GT(pruned->space_reclaimed, 0);
  EXPECT_TRUE(manager_->Inspect("app:2").ok());
  EXPECT_TRUE(manager_->Inspect("base:1").ok());

  // label filter: only matching images go.
  PruneOptions by_label;
  by_label.all = true;
  by_label.labels = {"tier=app"};
  pruned = manager_->Prune(by_label);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(pruned->untagged, std::vector<std::string>{"app:2"});
  EXPECT_FALSE(manager_->Inspect("app:2").ok());
  EXPECT_TRUE(manager_->Inspect("base:1").ok());

  // until: nothing created before the epoch.
  PruneOptions old;
  old.all = true;
  old.until = absl::UnixEpoch();
  pruned = manager_->Prune(old);
  ASSERT_TRUE(pruned.ok());
  EXPECT_TRUE(pruned->deleted.empty());

  // -a: every unused image; the one a snapshot (container) uses stays.
  PruneOptions all;
  all.all = true;
  pruned = manager_->Prune(all);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_FALSE(manager_->Inspect("base:1").ok());
  std::vector<Image> left = manager_->List();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, used->id);
  // Only what the kept image and its snapshot use is left on disk.
  EXPECT_EQ(Children(paths().layers_dir()), 1);
  EXPECT_EQ(Children(paths().blobs_dir()), 2);  // its config and layer blob
}

}  // namespace
}  // namespace berth::imaged
