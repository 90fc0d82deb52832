#include "services/imaged/metadata/image_store.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/content/digest.h"
#include "services/imaged/reference/reference.h"
#include "spdlog/spdlog.h"

namespace berth::imaged::metadata {
namespace {

using Json = nlohmann::json;

std::string RecordToJson(const ImageRecord& r) {
  Json j{{"id", r.id}, {"layers", r.layers}, {"size", r.size}};
  if (!r.parent.empty()) j["parent"] = r.parent;
  if (!r.repo_digests.empty()) j["repo_digests"] = r.repo_digests;
  return j.dump();
}

absl::StatusOr<ImageRecord> RecordFromJson(const std::string& text) {
  try {
    auto j = Json::parse(text);
    ImageRecord r;
    r.id = j.at("id").get<std::string>();
    r.layers = j.at("layers").get<std::vector<std::string>>();
    r.size = j.value("size", int64_t{0});
    r.parent = j.value("parent", "");
    r.repo_digests = j.value("repo_digests", std::vector<std::string>{});
    BERTH_RETURN_IF_ERROR(content::DigestHex(r.id).status());
    return r;
  } catch (const Json::exception& e) {
    return absl::DataLossError(absl::StrCat("image record: ", e.what()));
  }
}

}  // namespace

absl::Status ImageStore::Recover(const ConfigLoader& load_config) {
  images_.clear();
  DIR* dir = ::opendir(paths_.images_dir().c_str());
  if (dir == nullptr) {
    return ErrnoToStatus(errno, absl::StrCat("open '", paths_.images_dir(), "'"));
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (absl::EndsWith(name, ".json")) names.push_back(name);
  }
  ::closedir(dir);
  for (const auto& name : names) {
    std::string path = absl::StrCat(paths_.images_dir(), "/", name);
    auto text = fs::ReadFile(path);
    absl::StatusOr<ImageRecord> record =
        text.ok() ? RecordFromJson(*text) : absl::StatusOr<ImageRecord>(text.status());
    absl::StatusOr<OciImage> config =
        record.ok() ? load_config(record->id) : absl::StatusOr<OciImage>(record.status());
    if (!config.ok()) {
      // A record is written last on import, so this means a damaged store; the
      // image cannot be used, and its layers are reclaimed by the owner's GC.
      spdlog::warn("dropping unusable image record '{}': {}", name, config.status().ToString());
      ::unlink(path.c_str());
      continue;
    }
    record->config = *std::move(config);
    images_[record->id] = *std::move(record);
  }
  return LoadTags();
}

absl::Status ImageStore::LoadTags() {
  tags_.clear();
  auto text = fs::ReadFile(paths_.repositories_file());
  if (absl::IsNotFound(text.status())) return absl::OkStatus();
  if (!text.ok()) return text.status();
  try {
    auto j = Json::parse(*text);
    for (const auto& [tag, id] : j.at("tags").items()) {
      std::string image = id.get<std::string>();
      if (images_.count(image) == 0) {
        spdlog::warn("dropping tag '{}' of unknown image '{}'", tag, image);
        continue;
      }
      tags_[tag] = image;
    }
  } catch (const Json::exception& e) {
    return absl::DataLossError(
        absl::StrCat("parse '", paths_.repositories_file(), "': ", e.what()));
  }
  return SaveTags();
}

absl::Status ImageStore::SaveTags() const {
  Json j = {{"tags", tags_}};
  return fs::WriteFileAtomically(paths_.repositories_file(), j.dump(1));
}

absl::Status ImageStore::Put(const ImageRecord& record) {
  BERTH_ASSIGN_OR_RETURN(std::string hex, content::DigestHex(record.id));
  BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(paths_.image_record(hex), RecordToJson(record)));
  images_[record.id] = record;
  return absl::OkStatus();
}

absl::Status ImageStore::Delete(const std::string& id) {
  BERTH_ASSIGN_OR_RETURN(std::string hex, content::DigestHex(id));
  bool tags_changed = false;
  for (auto it = tags_.begin(); it != tags_.end();) {
    if (it->second == id) {
      it = tags_.erase(it);
      tags_changed = true;
    } else {
      ++it;
    }
  }
  // Tags go first: a crash in between leaves an untagged image, never a tag
  // pointing at nothing.
  if (tags_changed) BERTH_RETURN_IF_ERROR(SaveTags());
  std::string path = paths_.image_record(hex);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat("remove '", path, "'"));
  }
  images_.erase(id);
  return absl::OkStatus();
}

const ImageRecord* ImageStore::Get(const std::string& id) const {
  auto it = images_.find(id);
  return it == images_.end() ? nullptr : &it->second;
}

std::vector<const ImageRecord*> ImageStore::List() const {
  std::vector<const ImageRecord*> out;
  for (const auto& [id, r] : images_) out.push_back(&r);
  return out;
}

absl::StatusOr<std::string> ImageStore::ResolvePrefix(const std::string& hex_prefix) const {
  std::string prefix = absl::StrCat("sha256:", hex_prefix);
  std::string found;
  // images_ is sorted by id, so the matches are one contiguous run.
  for (auto it = images_.lower_bound(prefix);
       it != images_.end() && absl::StartsWith(it->first, prefix); ++it) {
    if (!found.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("image id prefix '", hex_prefix, "' is ambiguous"));
    }
    found = it->first;
  }
  if (found.empty()) return absl::NotFoundError(absl::StrCat("no image id starts with '", hex_prefix, "'"));
  return found;
}

std::string ImageStore::LookupTag(const std::string& tag) const {
  auto it = tags_.find(tag);
  return it == tags_.end() ? "" : it->second;
}

absl::Status ImageStore::SetTag(const std::string& tag, const std::string& id) {
  if (images_.count(id) == 0) return absl::NotFoundError(absl::StrCat("image '", id, "'"));
  std::string previous = LookupTag(tag);
  tags_[tag] = id;
  absl::Status status = SaveTags();
  if (!status.ok()) {
    if (previous.empty()) {
      tags_.erase(tag);
    } else {
      tags_[tag] = previous;
    }
  }
  return status;
}

absl::Status ImageStore::RemoveTag(const std::string& tag) {
  auto it = tags_.find(tag);
  if (it == tags_.end()) return absl::OkStatus();
  std::string id = it->second;
  tags_.erase(it);
  absl::Status status = SaveTags();
  if (!status.ok()) tags_[tag] = id;
  return status;
}

std::vector<std::string> ImageStore::TagsOf(const std::string& id) const {
  std::vector<std::string> out;
  for (const auto& [tag, image] : tags_) {
    if (image == id) out.push_back(tag);
  }
  return out;
}

}  // namespace berth::imaged::metadata
