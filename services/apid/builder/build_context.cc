#include "services/apid/builder/build_context.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/apid/builder/dockerfile/dockerignore.h"

namespace berth::apid::builder {
namespace {

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

// "./a/b/" → "a/b"; refuses absolute paths and "..".
absl::StatusOr<std::string> CleanEntryPath(const std::string& raw) {
  if (absl::StartsWith(raw, "/")) {
    return absl::InvalidArgumentError(absl::StrCat("build context entry '", raw, "' is absolute"));
  }
  for (absl::string_view part : absl::StrSplit(raw, '/')) {
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("build context entry '", raw, "' leaves the context"));
    }
  }
  std::string cleaned = dockerfile::CleanPath(raw);
  return cleaned == "." ? "" : cleaned;
}

bool HasGlob(const std::string& s) { return s.find_first_of("*?[\\") != std::string::npos; }

}  // namespace

absl::StatusOr<bool> PathMatch(const std::string& pattern, const std::string& path) {
  std::string re = "^";
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*') {
      re += "[^/]*";
    } else if (c == '?') {
      re += "[^/]";
    } else if (c == '[') {
      size_t end = pattern.find(']', i + 1);
      if (end == std::string::npos) return absl::InvalidArgumentError("syntax error in pattern");
      std::string cls = pattern.substr(i + 1, end - i - 1);
      re += "[";
      if (!cls.empty() && (cls[0] == '^' || cls[0] == '!')) {
        re += "^";
        cls.erase(0, 1);
      }
      for (char k : cls) {
        if (k == '\\' || k == '[') re += '\\';
        re += k;
      }
      re += "]";
      i = end;
    } else if (c == '\\' && i + 1 < pattern.size()) {
      re += '\\';
      re += pattern[++i];
    } else if (std::string(".+()|^${}").find(c) != std::string::npos) {
      re += '\\';
      re += c;
    } else {
      re += c;
    }
  }
  re += "$";
  try {
    return std::regex_match(path, std::regex(re));
  } catch (const std::regex_error&) {
    return absl::InvalidArgumentError("syntax error in pattern");
  }
}

absl::StatusOr<BuildContext> BuildContext::FromTar(const std::string& tar) {
  BuildContext ctx;
  if (tar.empty()) return ctx;
  std::unique_ptr<archive, ReadDeleter> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_zstd(a.get());
  if (archive_read_open_memory(a.get(), tar.data(), tar.size()) != ARCHIVE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("read build context: ", archive_error_string(a.get())));
  }
  int64_t total = 0;
  archive_entry* e = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return absl::InvalidArgumentError(
          absl::StrCat("read build context: ", archive_error_string(a.get())));
    }
    auto path = CleanEntryPath(archive_entry_pathname(e));
    if (!path.ok()) return path.status();
    if (path->empty()) continue;
    ContextEntry entry;
    entry.path = *path;
    entry.mode = archive_entry_perm(e) & 07777;
    entry.uid = static_cast<uint32_t>(archive_entry_uid(e));
    entry.gid = static_cast<uint32_t>(archive_entry_gid(e));
    entry.mtime = archive_entry_mtime(e);
    if (const char* hard = archive_entry_hardlink(e); hard != nullptr) {
      auto target = CleanEntryPath(hard);
      if (!target.ok()) return target.status();
      auto it = ctx.entries_.find(*target);
      if (it == ctx.entries_.end() || it->second.type != ContextEntry::Type::kFile) {
        return absl::InvalidArgumentError(
            absl::StrCat("build context: hard link '", entry.path, "' to a missing file"));
      }
      entry.data = it->second.data;
    } else if (archive_entry_filetype(e) == AE_IFDIR) {
      entry.type = ContextEntry::Type::kDir;
    } else if (archive_entry_filetype(e) == AE_IFLNK) {
      entry.type = ContextEntry::Type::kSymlink;
      entry.link = archive_entry_symlink(e) == nullptr ? "" : archive_entry_symlink(e);
    } else if (archive_entry_filetype(e) == AE_IFREG) {
      int64_t size = archive_entry_size(e);
      total += size;
      if (total > kMaxContextBytes) {
        return absl::ResourceExhaustedError(
            absl::StrCat("build context exceeds ", kMaxContextBytes, " bytes"));
      }
      entry.data.resize(static_cast<size_t>(size));
      la_ssize_t n = archive_read_data(a.get(), entry.data.data(), entry.data.size());
      if (n < 0 || n != size) {
        return absl::InvalidArgumentError(
            absl::StrCat("read build context entry '", entry.path, "': truncated"));
      }
    } else {
      continue;  // devices, fifos and sockets have no place in an image build
    }
    // Parents that the archive does not list are plain directories.
    std::string parent = entry.path;
    while (parent.find('/') != std::string::npos) {
      parent = parent.substr(0, parent.rfind('/'));
      if (ctx.entries_.count(parent) != 0) break;
      ContextEntry dir;
      dir.type = ContextEntry::Type::kDir;
      dir.path = parent;
      dir.mode = 0755;
      ctx.entries_[parent] = dir;
    }
    ctx.entries_[entry.path] = std::move(entry);
  }
  return ctx;
}

absl::StatusOr<std::string> BuildContext::ReadFile(const std::string& path) const {
  auto cleaned = CleanEntryPath(path);
  if (!cleaned.ok()) return cleaned.status();
  auto it = entries_.find(*cleaned);
  if (it == entries_.end() || it->second.type != ContextEntry::Type::kFile) {
    return absl::NotFoundError(absl::StrCat("Cannot locate specified Dockerfile: ", path));
  }
  return it->second.data;
}

absl::Status BuildContext::ApplyDockerIgnore() {
  auto it = entries_.find(".dockerignore");
  if (it == entries_.end()) return absl::OkStatus();
  auto ignore = dockerfile::DockerIgnore::Parse(it->second.data);
  if (!ignore.ok()) return ignore.status();
  for (auto e = entries_.begin(); e != entries_.end();) {
    e = ignore->Excluded(e->first) ? entries_.erase(e) : std::next(e);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<const ContextEntry*>> BuildContext::Resolve(
    const std::string& source) const {
  std::string cleaned = dockerfile::CleanPath(source);
  if (absl::StartsWith(cleaned, "/")) cleaned = dockerfile::CleanPath(cleaned.substr(1));
  if (cleaned == "..") cleaned = ".";
  if (absl::StartsWith(cleaned, "../")) {
    return absl::InvalidArgumentError(
        absl::StrCat("forbidden path outside the build context: ", source));
  }
  std::vector<const ContextEntry*> out;
  if (cleaned == ".") {
    static const ContextEntry* kRoot = new ContextEntry{ContextEntry::Type::kDir, "", 0755};
    out.push_back(kRoot);
    return out;
  }
  if (!HasGlob(cleaned)) {
    auto it = entries_.find(cleaned);
    if (it == entries_.end()) {
      return absl::NotFoundError(absl::StrCat(
          "file not found in build context or excluded by .dockerignore: stat ", cleaned,
          ": file does not exist"));
    }
    out.push_back(&it->second);
    return out;
  }
  for (const auto& [path, entry] : entries_) {
    auto match = PathMatch(cleaned, path);
    if (!match.ok()) return match.status();
    if (*match) out.push_back(&entry);
  }
  if (out.empty()) return absl::NotFoundError("no source files were specified");
  return out;
}

std::vector<const ContextEntry*> BuildContext::Below(const std::string& dir) const {
  std::vector<const ContextEntry*> out;
  std::string prefix = dir.empty() ? "" : dir + "/";
  for (auto it = entries_.lower_bound(prefix); it != entries_.end(); ++it) {
    if (!absl::StartsWith(it->first, prefix)) break;
    out.push_back(&it->second);
  }
  return out;
}

}  // namespace berth::apid::builder
