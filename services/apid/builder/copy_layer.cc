#include "services/apid/builder/copy_layer.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"
#include "services/apid/builder/dockerfile/dockerignore.h"
#include "openssl/sha.h"

namespace berth::apid::builder {
namespace {

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

absl::StatusOr<uint32_t> ParseId(const std::string& s) {
  uint32_t id = 0;
  if (s == "root") return 0;
  if (absl::SimpleAtoi(s, &id)) return id;
  return absl::InvalidArgumentError(absl::StrCat(
      "--chown with the name '", s, "' needs the image's user database; use numeric ids"));
}

struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

la_ssize_t AppendToString(archive*, void* opaque, const void* buf, size_t size) {
  static_cast<std::string*>(opaque)->append(static_cast<const char*>(buf), size);
  return static_cast<la_ssize_t>(size);
}

// Writes layer entries and hashes what matters for the cache.
class LayerWriter {
 public:
  LayerWriter() : a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_per_block(a_.get(), 0);
    archive_write_open(a_.get(), &tar_, nullptr, AppendToString, nullptr);
  }

  absl::Status Add(const std::string& path, ContextEntry::Type type, uint32_t mode, uint32_t uid,
                   uint32_t gid, int64_t mtime, const std::string& data, const std::string& link) {
    std::string rel = path;
    while (absl::StartsWith(rel, "/")) rel.erase(0, 1);
    // The root itself is never an entry of a layer.
    if (rel.empty()) return absl::OkStatus();
    written_.insert(rel);
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                               archive_entry_free);
    archive_entry_set_pathname(e.get(), rel.c_str());
    archive_entry_set_perm(e.get(), mode & 07777);
    archive_entry_set_uid(e.get(), uid);
    archive_entry_set_gid(e.get(), gid);
    archive_entry_set_mtime(e.get(), mtime, 0);
    char kind = 'f';
    switch (type) {
      case ContextEntry::Type::kDir:
        archive_entry_set_filetype(e.get(), AE_IFDIR);
        kind = 'd';
        break;
      case ContextEntry::Type::kSymlink:
        archive_entry_set_filetype(e.get(), AE_IFLNK);
        archive_entry_set_symlink(e.get(), link.c_str());
        kind = 'l';
        break;
      case ContextEntry::Type::kFile:
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
        break;
    }
    if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK) {
      return absl::InternalError(absl::StrCat("write layer entry '", rel, "': ",
                                              archive_error_string(a_.get())));
    }
    if (kind == 'f' && !data.empty() &&
        archive_write_data(a_.get(), data.data(), data.size()) < 0) {
      return absl::InternalError(absl::StrCat("write layer entry '", rel, "'"));
    }
    absl::StrAppend(&hash_input_, std::string(1, kind), " ", rel, " ", mode & 07777, " ", uid, ":", gid, " ",
                    kind == 'f' ? Sha256Hex(data) : link, "\n");
    return absl::OkStatus();
  }

  std::string Finish() {
    archive_write_close(a_.get());
    return std::move(tar_);
  }
  std::string Hash() const { return "sha256:" + Sha256Hex(hash_input_); }

 private:
  std::string tar_;
  std::unique_ptr<archive, WriteDeleter> a_;
  std::string hash_input_;
  std::set<std::string> written_;
};

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (name.empty()) return dir;
  return dockerfile::CleanPath(absl::StrCat(dir, "/", name));
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// ADD of a local archive: true and the entries written when `data` is a tar
// (plain or compressed); false when it is not an archive (copied as a file).
absl::StatusOr<bool> ExtractArchive(const std::string& data, const std::string& dest,
                                    LayerWriter& out) {
  std::unique_ptr<archive, ReadDeleter> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_zstd(a.get());
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) return false;
  archive_entry* e = nullptr;
  bool first = true;
  for (;;) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      if (first) return false;  // not an archive after all
      return absl::InvalidArgumentError(
          absl::StrCat("ADD: extract archive: ", archive_error_string(a.get())));
    }
    first = false;
    std::string name = archive_entry_pathname(e);
    if (absl::StartsWith(name, "/") || absl::StrContains(absl::StrCat("/", name, "/"), "/../")) {
      return absl::InvalidArgumentError(absl::StrCat("ADD: archive entry '", name,
                                                     "' leaves the destination"));
    }
    std::string path = JoinPath(dest, dockerfile::CleanPath(name));
    uint32_t mode = archive_entry_perm(e);
    uint32_t uid = static_cast<uint32_t>(archive_entry_uid(e));
    uint32_t gid = static_cast<uint32_t>(archive_entry_gid(e));
    int64_t mtime = archive_entry_mtime(e);
    if (archive_entry_filetype(e) == AE_IFDIR) {
      BERTH_RETURN_IF_ERROR(out.Add(path, ContextEntry::Type::kDir, mode, uid, gid, mtime, "", ""));
    } else if (archive_entry_filetype(e) == AE_IFLNK) {
      BERTH_RETURN_IF_ERROR(out.Add(path, ContextEntry::Type::kSymlink, mode, uid, gid, mtime, "",
                                    archive_entry_symlink(e)));
    } else if (archive_entry_filetype(e) == AE_IFREG) {
      std::string content(static_cast<size_t>(archive_entry_size(e)), '\0');
      la_ssize_t n = archive_read_data(a.get(), content.data(), content.size());
      if (n < 0) return absl::InvalidArgumentError("ADD: archive entry truncated");
      content.resize(static_cast<size_t>(n));
      BERTH_RETURN_IF_ERROR(
          out.Add(path, ContextEntry::Type::kFile, mode, uid, gid, mtime, content, ""));
    }
  }
  return !first;
}

}  // namespace

absl::StatusOr<std::pair<uint32_t, uint32_t>> ParseChown(const std::string& chown) {
  std::vector<std::string> parts = absl::StrSplit(chown, ':');
  if (parts.empty() || parts.size() > 2 || parts[0].empty()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid --chown value '", chown, "'"));
  }
  BERTH_ASSIGN_OR_RETURN(uint32_t uid, ParseId(parts[0]));
  uint32_t gid = uid;
  if (parts.size() == 2) {
    BERTH_ASSIGN_OR_RETURN(gid, ParseId(parts[1]));
  }
  return std::make_pair(uid, gid);
}

absl::StatusOr<CopyLayer> BuildCopyLayer(const BuildContext& context, const CopyRequest& req) {
  std::optional<std::pair<uint32_t, uint32_t>> owner;
  if (!req.chown.empty()) {
    BERTH_ASSIGN_OR_RETURN(owner, ParseChown(req.chown));
  }
  std::optional<uint32_t> mode;
  if (!req.chmod.empty()) {
    uint32_t m = 0;
    for (char c : req.chmod) {
      if (c < '0' || c > '7') return absl::InvalidArgumentError("invalid chmod parameter");
      m = m * 8 + static_cast<uint32_t>(c - '0');
    }
    mode = m & 07777;
  }
  for (const std::string& source : req.sources) {
    if (absl::StartsWith(source, "http://") || absl::StartsWith(source, "https://") ||
        absl::StartsWith(source, "git@")) {
      return absl::PermissionDeniedError(absl::StrCat(
          req.instruction, " from a remote URL (", source,
          ") is refused: builds on this engine do not download; put the file in the context"));
    }
  }
  std::vector<const ContextEntry*> matched;
  for (const std::string& source : req.sources) {
    BERTH_ASSIGN_OR_RETURN(std::vector<const ContextEntry*> found, context.Resolve(source));
    matched.insert(matched.end(), found.begin(), found.end());
  }
  std::string dest = req.dest;
  bool dest_is_dir = absl::EndsWith(dest, "/") || dest == "." || absl::EndsWith(dest, "/.");
  if (!absl::StartsWith(dest, "/")) dest = absl::StrCat(req.workdir, "/", dest);
  dest = dockerfile::CleanPath(dest);
  if (matched.size() > 1 && !dest_is_dir) {
    return absl::InvalidArgumentError(absl::StrCat(
        "When using ", req.instruction,
        " with more than one source file, the destination must be a directory and end with a /"));
  }

  LayerWriter out;
  // COPY from the context gives 0:0 unless --chown says otherwise (Docker).
  auto add_entry = [&](const ContextEntry& e, const std::string& path) -> absl::Status {
    auto [uid, gid] = owner.value_or(std::make_pair(uint32_t{0}, uint32_t{0}));
    return out.Add(path, e.type, mode.value_or(e.mode), uid, gid, e.mtime, e.data, e.link);
  };
  for (const ContextEntry* entry : matched) {
    if (entry->type == ContextEntry::Type::kDir) {
      // A directory's contents go into the destination, not the directory itself.
      ContextEntry dir = *entry;
      dir.mode = entry->path.empty() ? 0755 : entry->mode;
      BERTH_RETURN_IF_ERROR(add_entry(dir, dest));
      for (const ContextEntry* below : context.Below(entry->path)) {
        std::string rel = entry->path.empty() ? below->path
                                              : below->path.substr(entry->path.size() + 1);
        BERTH_RETURN_IF_ERROR(add_entry(*below, JoinPath(dest, rel)));
      }
      continue;
    }
    if (req.add && entry->type == ContextEntry::Type::kFile) {
      BERTH_ASSIGN_OR_RETURN(bool extracted, ExtractArchive(entry->data, dest, out));
      if (extracted) continue;
    }
    std::string target = dest_is_dir ? JoinPath(dest, Basename(entry->path)) : dest;
    BERTH_RETURN_IF_ERROR(add_entry(*entry, target));
  }
  CopyLayer layer;
  layer.content_hash = out.Hash();
  layer.tar = out.Finish();
  const char* kind = matched.size() == 1 && matched[0]->type == ContextEntry::Type::kFile
                         ? "file"
                         : "dir";
  layer.description = absl::StrCat(kind, ":", layer.content_hash.substr(7), " in ",
                                    dest_is_dir ? dest + (dest == "/" ? "" : "/") : dest, " ");
  return layer;
}

}  // namespace berth::apid::builder
