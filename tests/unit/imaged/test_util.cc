#include "tests/unit/imaged/test_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "services/imaged/content/digest.h"

namespace berth::imaged::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/imaged-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  // Tests unpack read-only directories; without root they must be made
  // writable again before their content can be removed.
  if (::geteuid() != 0) {
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
         it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0700);
    }
  }
  std::filesystem::remove_all(path_, ec);
}

TarEntry File(std::string path, std::string data, int mode) {
  TarEntry e;
  e.path = std::move(path);
  e.data = std::move(data);
  e.mode = mode;
  return e;
}

TarEntry Dir(std::string path, int mode) {
  TarEntry e;
  e.path = std::move(path);
  e.type = TarEntry::Type::kDir;
  e.mode = mode;
  return e;
}

TarEntry Symlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = TarEntry::Type::kSymlink;
  e.link = std::move(target);
  e.mode = 0777;
  return e;
}

TarEntry Hardlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = TarEntry::Type::kHardlink;
  e.link = std::move(target);
  return e;
}

TarEntry SparseFile(std::string path, std::string data, int64_t apparent_size) {
  TarEntry e = File(std::move(path), std::move(data));
  e.sparse_size = apparent_size;
  return e;
}

namespace {

la_ssize_t AppendToString(archive*, void* client, const void* buf, size_t size) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buf), size);
  return static_cast<la_ssize_t>(size);
}

void AddFilter(archive* a, Compression compression) {
  switch (compression) {
    case Compression::kNone:
      break;
    case Compression::kGzip:
      archive_write_add_filter_gzip(a);
      break;
    case Compression::kBzip2:
      archive_write_add_filter_bzip2(a);
      break;
    case Compression::kXz:
      archive_write_add_filter_xz(a);
      break;
    case Compression::kZstd:
      archive_write_add_filter_zstd(a);
      break;
  }
}

// A writer into `out`, in `format` (pax, or raw for a bare compressed stream).
archive* OpenWriter(std::string* out, Compression compression, bool raw) {
  archive* a = archive_write_new();
  if (raw) {
    archive_write_set_format_raw(a);
  } else {
    archive_write_set_format_pax_restricted(a);
  }
  AddFilter(a, compression);
  // Unpadded last block keeps the test archives small and exact.
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open(a, out, nullptr, AppendToString, nullptr) != ARCHIVE_OK) {
    throw std::runtime_error(archive_error_string(a));
  }
  return a;
}

void CloseWriter(archive* a) {
  if (archive_write_close(a) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
  archive_write_free(a);
}

// Writes `total` bytes of content: `data` first, zeros for the rest (which a
// sparse entry's hole swallows without storing).
void WriteContent(archive* a, const std::string& data, int64_t total) {
  if (!data.empty()) archive_write_data(a, data.data(), data.size());
  static const std::string kZeros(1 << 20, '\0');
  for (int64_t left = total - static_cast<int64_t>(data.size()); left > 0;) {
    size_t n = static_cast<size_t>(std::min<int64_t>(left, kZeros.size()));
    la_ssize_t written = archive_write_data(a, kZeros.data(), n);
    if (written <= 0) throw std::runtime_error(archive_error_string(a));
    left -= written;
  }
}

}  // namespace

std::string BuildTar(const std::vector<TarEntry>& entries, Compression compression) {
  std::string out;
  archive* a = OpenWriter(&out, compression, /*raw=*/false);
  for (const auto& te : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, te.path.c_str());
    archive_entry_set_uid(e, te.uid);
    archive_entry_set_gid(e, te.gid);
    archive_entry_set_mtime(e, te.mtime, 0);
    archive_entry_set_perm(e, te.mode);
    const bool sparse =
        te.type == TarEntry::Type::kFile && te.sparse_size > static_cast<int64_t>(te.data.size());
    switch (te.type) {
      case TarEntry::Type::kFile:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, sparse ? te.sparse_size
                                         : static_cast<la_int64_t>(te.data.size()));
        if (sparse) archive_entry_sparse_add_entry(e, 0, static_cast<la_int64_t>(te.data.size()));
        break;
      case TarEntry::Type::kDir:
        archive_entry_set_filetype(e, AE_IFDIR);
        break;
      case TarEntry::Type::kSymlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, te.link.c_str());
        break;
      case TarEntry::Type::kHardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, te.link.c_str());
        break;
      case TarEntry::Type::kCharDevice:
        archive_entry_set_filetype(e, AE_IFCHR);
        archive_entry_set_rdevmajor(e, 1);
        archive_entry_set_rdevminor(e, 3);
        break;
      case TarEntry::Type::kFifo:
        archive_entry_set_filetype(e, AE_IFIFO);
        break;
    }
    if (archive_write_header(a, e) != ARCHIVE_OK) {
      throw std::runtime_error(archive_error_string(a));
    }
    if (te.type == TarEntry::Type::kFile) {
      WriteContent(a, te.data, sparse ? te.sparse_size : static_cast<int64_t>(te.data.size()));
    }
    archive_entry_free(e);
  }
  CloseWriter(a);
  return out;
}

std::string Compress(const std::string& data, Compression compression) {
  std::string out;
  archive* a = OpenWriter(&out, compression, /*raw=*/true);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "data");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
  if (archive_write_header(a, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
  WriteContent(a, data, static_cast<int64_t>(data.size()));
  archive_entry_free(e);
  CloseWriter(a);
  return out;
}

std::string ZeroFileTar(const std::string& path, int64_t zeros, Compression compression) {
  std::string out;
  archive* a = OpenWriter(&out, compression, /*raw=*/false);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, path.c_str());
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, zeros);
  if (archive_write_header(a, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
  WriteContent(a, "", zeros);
  archive_entry_free(e);
  CloseWriter(a);
  return out;
}

std::string Sha256Of(const std::string& data) { return content::DigestOf(data); }

int CountEntries(const std::string& dir) {
  int n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace berth::imaged::testing
