#include "services/imaged/layers/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <utility>
#include <limits>
#include <memory>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"
#include "services/imaged/content/digest.h"
#include "services/imaged/layers/tree_writer.h"
#include "spdlog/spdlog.h"

namespace berth::imaged::layers {
namespace {

constexpr size_t kBlockSize = 64 * 1024;
constexpr char kWhiteoutPrefix[] = ".wh.";
constexpr char kWhiteoutMetaPrefix[] = ".wh..wh.";
constexpr char kOpaqueWhiteout[] = ".wh..wh..opq";
constexpr char kOverlayXattrPrefix[] = "trusted.overlay.";

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

absl::Status ArchiveError(archive* a, const std::string& context) {
  const char* msg = archive_error_string(a);
  return absl::InvalidArgumentError(
      absl::StrCat(context, ": ", msg != nullptr ? msg : "unknown archive error"));
}

constexpr char kSupported[] =
    "a layer must be a tar archive, plain or compressed with gzip, bzip2, xz or zstd";

// The tar reader pulls its input from here: libarchive's "raw" format over our
// decompression filters yields the decompressed stream, which we hash and
// count on the way through. That gives the diff id in the same pass as the
// unpacking, and stops a decompression bomb as soon as it crosses the cap
// rather than after it was written out.
struct DecompressedSource {
  archive* raw = nullptr;
  LimitTracker* limits = nullptr;
  content::Sha256 hash;
  int64_t offset = 0;
  // The first bytes of the stream: when the tar reader cannot make sense of
  // it, they name the compression we do not read. (Only then: a valid tar
  // is never refused for what its first file name looks like.)
  std::string head;
  // Why the stream was cut off (a limit, an unsupported compression): the tar
  // reader only sees "read error", the caller reports this instead.
  absl::Status failure;
};

// Counts and hashes a decompressed block; false (with source.failure set)
// when the stream must stop.
bool Account(DecompressedSource& src, const void* buf, size_t size) {
  if (src.head.size() < kCompressionMagicBytes) {
    size_t take = std::min(size, kCompressionMagicBytes - src.head.size());
    src.head.append(static_cast<const char*>(buf), take);
  }
  src.failure = src.limits->AddStreamBytes(static_cast<int64_t>(size));
  if (!src.failure.ok()) return false;
  src.hash.Update(buf, size);
  return true;
}

la_ssize_t ReadDecompressed(archive* tar, void* client, const void** buf) {
  auto* src = static_cast<DecompressedSource*>(client);
  size_t size = 0;
  la_int64_t offset = 0;
  int r = archive_read_data_block(src->raw, buf, &size, &offset);
  if (r == ARCHIVE_EOF) return 0;
  if (r < ARCHIVE_WARN) {
    archive_set_error(tar, EIO, "decompress: %s",
                      archive_error_string(src->raw));
    return -1;
  }
  if (offset != src->offset) {
    archive_set_error(tar, EIO, "decompressed stream is not contiguous");
    return -1;
  }
  if (!Account(*src, *buf, size)) {
    archive_set_error(tar, EIO, "%s", std::string(src->failure.message()).c_str());
    return -1;
  }
  src->offset += static_cast<int64_t>(size);
  return static_cast<la_ssize_t>(size);
}

// The error to report for a failed libarchive call: the source's own reason
// when it cut the stream off, else libarchive's message.
absl::Status StreamError(const DecompressedSource& src, archive* a, const std::string& context) {
  if (!src.failure.ok()) return src.failure;
  if (std::optional<std::string> name = UnsupportedCompression(src.head)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported compression '", *name, "': ", kSupported));
  }
  return ArchiveError(a, context);
}

// Hashes whatever the tar reader left unread (padding after the end marker):
// the diff id covers the whole uncompressed stream, and the cap covers it too.
absl::Status DrainSource(DecompressedSource& src) {
  for (;;) {
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(src.raw, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) return absl::OkStatus();
    if (r < ARCHIVE_WARN) return ArchiveError(src.raw, "decompress");
    if (!Account(src, buf, size)) return src.failure;
  }
}

// Registers exactly the decompressors we accept. Each must be libarchive's
// built-in implementation: without its library, libarchive would silently
// fall back to running an external program (ARCHIVE_WARN), which we refuse.
absl::Status RegisterFilters(archive* a) {
  const std::pair<const char*, int (*)(archive*)> filters[] = {
      {"gzip", archive_read_support_filter_gzip},
      {"bzip2", archive_read_support_filter_bzip2},
      {"xz", archive_read_support_filter_xz},
      {"zstd", archive_read_support_filter_zstd},
  };
  for (const auto& [name, add] : filters) {
    if (add(a) != ARCHIVE_OK) {
      return absl::FailedPreconditionError(
          absl::StrCat("libarchive has no built-in ", name,
                       " support; refusing to decompress layers with an external program"));
    }
  }
  return absl::OkStatus();
}

// Docker decompresses a layer once; a second layer of compression only
// multiplies the expansion ratio of a bomb. Filter 0 is the innermost one
// (it feeds the format reader) and the last is the file itself ("none").
absl::Status CheckSingleCompression(archive* raw) {
  int count = archive_filter_count(raw);
  if (count <= 2) return absl::OkStatus();
  std::string chain;
  for (int i = 0; i < count - 1; ++i) {
    absl::StrAppend(&chain, chain.empty() ? "" : " inside ", archive_filter_name(raw, i));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("layer is compressed more than once (", chain, "): ", kSupported));
}

absl::StatusOr<EntryMeta> MetaOf(archive_entry* e) {
  constexpr int64_t kMaxId = std::numeric_limits<uint32_t>::max() - 1;
  int64_t uid = archive_entry_uid(e);
  int64_t gid = archive_entry_gid(e);
  if (uid < 0 || uid > kMaxId || gid < 0 || gid > kMaxId) {
    return absl::InvalidArgumentError("archive entry has an out-of-range uid or gid");
  }
  EntryMeta meta;
  meta.uid = static_cast<uid_t>(uid);
  meta.gid = static_cast<gid_t>(gid);
  meta.mode = archive_entry_perm(e) & 07777;
  if (archive_entry_mtime_is_set(e)) {
    meta.mtime = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
  }
  meta.atime = archive_entry_atime_is_set(e)
                   ? timespec{archive_entry_atime(e), archive_entry_atime_nsec(e)}
                   : meta.mtime;
  std::set<std::string> seen;
  archive_entry_xattr_reset(e);
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    // libarchive reports pax xattrs twice (LIBARCHIVE.xattr and SCHILY.xattr).
    if (!seen.insert(name).second) continue;
    if (absl::StartsWith(name, kOverlayXattrPrefix)) {
      spdlog::warn("layer entry '{}': dropping overlay xattr '{}'", archive_entry_pathname(e),
                   name);
      continue;
    }
    meta.xattrs.emplace_back(name, std::string(static_cast<const char*>(value), size));
  }
  return meta;
}

class EntryApplier {
 public:
  EntryApplier(TreeWriter& writer, const UnpackOptions& options,
               const DecompressedSource& source, LimitTracker& limits, UnpackResult& result)
      : writer_(writer), options_(options), source_(source), limits_(limits), result_(result) {}

  absl::Status Apply(archive* a, archive_entry* e);

 private:
  absl::Status ApplyWhiteout(Components path);
  absl::Status WriteFile(archive* a, archive_entry* e, const Components& path,
                         const EntryMeta& meta);

  TreeWriter& writer_;
  const UnpackOptions& options_;
  const DecompressedSource& source_;
  LimitTracker& limits_;
  UnpackResult& result_;
  std::set<std::string> skipped_;  // entries left out, so hard links to them are too
};

absl::Status EntryApplier::Apply(archive* a, archive_entry* e) {
  const char* raw_path = archive_entry_pathname(e);
  if (raw_path == nullptr) return absl::InvalidArgumentError("archive entry without a name");
  BERTH_RETURN_IF_ERROR(limits_.AddEntry(raw_path));
  BERTH_ASSIGN_OR_RETURN(Components path, SplitEntryPath(raw_path));
  ++result_.entries;
  if (!path.empty() && absl::StartsWith(path.back(), kWhiteoutPrefix)) {
    return ApplyWhiteout(std::move(path));
  }
  if (const char* link = archive_entry_hardlink(e); link != nullptr) {
    BERTH_ASSIGN_OR_RETURN(Components target, SplitEntryPath(link));
    if (skipped_.count(JoinComponents(target)) > 0) {
      skipped_.insert(JoinComponents(path));
      return absl::OkStatus();
    }
    return writer_.MakeHardlink(path, target);
  }
  BERTH_ASSIGN_OR_RETURN(EntryMeta meta, MetaOf(e));
  mode_t type = archive_entry_filetype(e);
  if (path.empty() && type != AE_IFDIR) {
    return absl::InvalidArgumentError(
        absl::StrCat("archive entry '", raw_path, "' replaces the layer root"));
  }
  switch (type) {
    case AE_IFDIR:
      return writer_.MakeDir(path, meta);
    case AE_IFREG:
      return WriteFile(a, e, path, meta);
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(e);
      if (target == nullptr || *target == '\0') {
        return absl::InvalidArgumentError(absl::StrCat("symlink '", raw_path, "' has no target"));
      }
      result_.size += static_cast<int64_t>(std::strlen(target));
      return writer_.MakeSymlink(path, target, meta);
    }
    case AE_IFIFO:
      return writer_.MakeFifo(path, meta);
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFSOCK:
      spdlog::warn("layer entry '{}': skipping device node or socket", raw_path);
      ++result_.skipped_devices;
      skipped_.insert(JoinComponents(path));
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("archive entry '", raw_path, "' has an unknown file type"));
  }
}

absl::Status EntryApplier::ApplyWhiteout(Components path) {
  const std::string name = path.back();
  Components parent(path.begin(), path.end() - 1);
  ++result_.whiteouts;
  if (name == kOpaqueWhiteout) {
    return options_.whiteouts == WhiteoutMode::kOverlay ? writer_.MarkOpaque(parent)
                                                        : absl::OkStatus();
  }
  // Other AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs) has no overlay meaning.
  if (absl::StartsWith(name, kWhiteoutMetaPrefix)) return absl::OkStatus();
  std::string target = name.substr(sizeof(kWhiteoutPrefix) - 1);
  if (target.empty() || target == "." || target == "..") {
    return absl::InvalidArgumentError(absl::StrCat("invalid whiteout '", JoinComponents(path), "'"));
  }
  if (options_.whiteouts == WhiteoutMode::kDrop) return absl::OkStatus();
  path.back() = target;
  return writer_.MakeWhiteout(path);
}

absl::Status EntryApplier::WriteFile(archive* a, archive_entry* e, const Components& path,
                                     const EntryMeta& meta) {
  const int64_t size = archive_entry_size(e);
  const std::string shown = JoinComponents(path);
  BERTH_RETURN_IF_ERROR(
      limits_.CheckFileHeader(shown, size, archive_entry_sparse_count(e) > 0));
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd fd, writer_.CreateFile(path));
  int64_t stored = 0;
  for (;;) {
    const void* buf = nullptr;
    size_t block = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(a, &buf, &block, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return StreamError(source_, a, absl::StrCat("read '", shown, "'"));
    stored += static_cast<int64_t>(block);
    BERTH_RETURN_IF_ERROR(
        limits_.CheckFileBlock(shown, offset, static_cast<int64_t>(block), stored));
    const char* p = static_cast<const char*>(buf);
    while (block > 0) {
      ssize_t n = ::pwrite(fd.get(), p, block, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        return TreeErrno(errno, absl::StrCat("write '", shown, "'"));
      }
      p += n;
      offset += n;
      block -= static_cast<size_t>(n);
    }
  }
  result_.size += size;
  return writer_.FinishFile(fd.get(), path, size, meta);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SplitEntryPath(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("archive entry with an empty name");
  if (path.front() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("archive entry '", path, "' has an absolute path"));
  }
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("archive entry '", path, "' has a '..' component"));
    }
    out.emplace_back(part);
  }
  return out;
}

namespace {

// The one pass shared by both sources: `open` attaches the compressed input
// to the raw reader (a file by name, or a streamed fd).
absl::StatusOr<UnpackResult> UnpackFrom(const std::function<int(archive*)>& open,
                                        const std::string& archive_path, const std::string& dest,
                                        const UnpackOptions& options) {
  BERTH_RETURN_IF_ERROR(ValidateLimits(options.limits));
  ArchivePtr raw(archive_read_new());
  if (!raw) return absl::ResourceExhaustedError("archive_read_new");
  BERTH_RETURN_IF_ERROR(RegisterFilters(raw.get()));
  archive_read_support_format_raw(raw.get());
  if (open(raw.get()) != ARCHIVE_OK) {
    // libarchive reports content problems (an empty or unreadable stream) as
    // ARCHIVE_ERRNO_FILE_FORMAT (EILSEQ on Linux, not exported by archive.h);
    // other errnos mean our own temp file is broken.
    int err = archive_errno(raw.get());
    if (err > 0 && err != EILSEQ) {
      return ErrnoToStatus(err, absl::StrCat("open '", archive_path, "'"));
    }
    return ArchiveError(raw.get(), "open archive");
  }
  archive_entry* raw_entry = nullptr;
  int r = archive_read_next_header(raw.get(), &raw_entry);
  if (r == ARCHIVE_EOF) return absl::InvalidArgumentError("empty archive");
  if (r < ARCHIVE_WARN) return ArchiveError(raw.get(), "read archive");
  BERTH_RETURN_IF_ERROR(CheckSingleCompression(raw.get()));

  LimitTracker limits(options.limits);
  DecompressedSource source;
  source.raw = raw.get();
  source.limits = &limits;
  ArchivePtr tar(archive_read_new());
  if (!tar) return absl::ResourceExhaustedError("archive_read_new");
  archive_read_support_format_tar(tar.get());
  if (archive_read_open(tar.get(), &source, nullptr, ReadDecompressed, nullptr) != ARCHIVE_OK) {
    return StreamError(source, tar.get(), "not a tar archive");
  }

  BERTH_ASSIGN_OR_RETURN(TreeWriter writer, TreeWriter::Open(dest, options.apply_ownership));
  UnpackResult result;
  EntryApplier applier(writer, options, source, limits, result);
  for (;;) {
    archive_entry* entry = nullptr;
    r = archive_read_next_header(tar.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return StreamError(source, tar.get(), "read tar header");
    BERTH_RETURN_IF_ERROR(applier.Apply(tar.get(), entry));
  }
  BERTH_RETURN_IF_ERROR(writer.Finish());
  BERTH_RETURN_IF_ERROR(DrainSource(source));
  result.diff_id = source.hash.FinalDigest();
  BERTH_RETURN_IF_ERROR(writer.Sync());
  return result;
}

}  // namespace

absl::StatusOr<UnpackResult> UnpackLayer(const std::string& archive_path, const std::string& dest,
                                         const UnpackOptions& options) {
  return UnpackFrom(
      [&archive_path](archive* a) {
        return archive_read_open_filename(a, archive_path.c_str(), kBlockSize);
      },
      archive_path, dest, options);
}

absl::StatusOr<UnpackResult> UnpackLayerFromFd(int fd, const std::string& dest,
                                               const UnpackOptions& options) {
  return UnpackFrom([fd](archive* a) { return archive_read_open_fd(a, fd, kBlockSize); },
                    "<stream>", dest, options);
}

}  // namespace berth::imaged::layers
