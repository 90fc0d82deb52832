#include "services/imaged/layers/layer_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/content/digest.h"
#include "spdlog/spdlog.h"

namespace berth::imaged::layers {
namespace {

// 16 characters of [a-z0-9]: ~82 bits, short enough that a lowerdir entry
// costs about 30 bytes plus the state dir.
constexpr size_t kShortIdLength = 16;

std::string ToJson(const LayerRecord& r) {
  nlohmann::json j = {{"chain_id", r.chain_id}, {"diff_id", r.diff_id},
                      {"blob_digest", r.blob_digest}, {"parent", r.parent},
                      {"size", r.size}};
  return j.dump();
}

absl::StatusOr<LayerRecord> FromJson(const std::string& text, const std::string& short_id) {
  try {
    auto j = nlohmann::json::parse(text);
    LayerRecord r;
    r.short_id = short_id;
    r.chain_id = j.at("chain_id").get<std::string>();
    r.diff_id = j.at("diff_id").get<std::string>();
    r.blob_digest = j.value("blob_digest", "");
    r.parent = j.value("parent", "");
    r.size = j.value("size", int64_t{0});
    BERTH_RETURN_IF_ERROR(content::DigestHex(r.chain_id).status());
    return r;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat("layer '", short_id, "' meta.json: ", e.what()));
  }
}

absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) {
  std::vector<std::string> out;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return ErrnoToStatus(errno, absl::StrCat("open '", path, "'"));
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(dir);
  return out;
}

}  // namespace

std::string ChainId(const std::string& parent_chain, const std::string& diff_id) {
  if (parent_chain.empty()) return diff_id;
  return content::DigestOf(absl::StrCat(parent_chain, " ", diff_id));
}

absl::Status LayerStore::Recover() {
  layers_.clear();
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(paths_.layers_dir()));
  for (const auto& name : names) {
    auto text = fs::ReadFile(paths_.layer_meta(name));
    absl::StatusOr<LayerRecord> record =
        text.ok() ? FromJson(*text, name) : absl::StatusOr<LayerRecord>(text.status());
    if (!record.ok() || layers_.count(record->chain_id) > 0) {
      spdlog::warn("removing incomplete or duplicate layer dir '{}': {}", name,
                   record.ok() ? "duplicate chain id" : record.status().ToString());
      BERTH_RETURN_IF_ERROR(fs::RemoveTree(paths_.layer_dir(name)));
      continue;
    }
    layers_[record->chain_id] = *std::move(record);
  }
  return absl::OkStatus();
}

absl::StatusOr<StagedLayer> LayerStore::Stage(const Paths& paths) {
  StagedLayer staged;
  staged.short_id = content::RandomId(kShortIdLength);
  staged.dir = absl::StrCat(paths.tmp_dir(), "/layer-", staged.short_id);
  staged.diff = absl::StrCat(staged.dir, "/diff");
  if (::mkdir(staged.dir.c_str(), 0700) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("mkdir '", staged.dir, "'"));
  }
  if (::mkdir(staged.diff.c_str(), 0755) != 0) {
    int err = errno;
    ::rmdir(staged.dir.c_str());
    return ErrnoToStatus(err, absl::StrCat("mkdir '", staged.diff, "'"));
  }
  return staged;
}

absl::StatusOr<LayerRecord> LayerStore::Commit(const StagedLayer& staged, LayerRecord record) {
  if (layers_.count(record.chain_id) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("layer '", record.chain_id, "' exists"));
  }
  record.short_id = staged.short_id;
  BERTH_RETURN_IF_ERROR(
      fs::WriteFileAtomically(absl::StrCat(staged.dir, "/meta.json"), ToJson(record)));
  // The layer dir stays 0700 as staged: overlay reads it with the mounter's
  // (root's) credentials, so nobody else needs access (see paths.h).
  std::string target = paths_.layer_dir(staged.short_id);
  if (::rename(staged.dir.c_str(), target.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("publish layer '", target, "'"));
  }
  fs::ScopedFd dir(::open(paths_.layers_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.valid()) ::fsync(dir.get());
  layers_[record.chain_id] = record;
  return record;
}

const LayerRecord* LayerStore::Get(const std::string& chain_id) const {
  auto it = layers_.find(chain_id);
  return it == layers_.end() ? nullptr : &it->second;
}

absl::Status LayerStore::Remove(const std::string& chain_id) {
  auto it = layers_.find(chain_id);
  if (it == layers_.end()) return absl::OkStatus();
  // Drop meta.json first: if the tree removal is interrupted, Recover() sees a
  // directory without meta and finishes the job.
  std::string meta = paths_.layer_meta(it->second.short_id);
  if (::unlink(meta.c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat("remove '", meta, "'"));
  }
  // Without meta.json the layer is gone as far as anyone can tell.
  std::string dir = paths_.layer_dir(it->second.short_id);
  layers_.erase(it);
  return fs::RemoveTree(dir);
}

std::vector<LayerRecord> LayerStore::List() const {
  std::vector<LayerRecord> out;
  for (const auto& [id, r] : layers_) out.push_back(r);
  return out;
}

}  // namespace berth::imaged::layers
