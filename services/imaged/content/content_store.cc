#include "services/imaged/content/content_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/imaged/reference/reference.h"

namespace berth::imaged::content {
namespace {

absl::Status FsyncDir(const std::string& dir) {
  fs::ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", dir, "'"));
  if (::fsync(fd.get()) != 0) return ErrnoToStatus(errno, absl::StrCat("fsync '", dir, "'"));
  return absl::OkStatus();
}

}  // namespace

BlobWriter::~BlobWriter() {
  fd_.reset();
  if (!committed_) ::unlink(path_.c_str());
}

absl::Status BlobWriter::Write(const void* data, size_t size) {
  if (!fd_.valid()) return absl::FailedPreconditionError("blob writer is closed");
  const char* p = static_cast<const char*>(data);
  size_t left = size;
  while (left > 0) {
    ssize_t n = ::write(fd_.get(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat("write '", path_, "'"));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  hash_.Update(data, size);
  size_ += static_cast<int64_t>(size);
  return absl::OkStatus();
}

absl::StatusOr<std::string> BlobWriter::Close() {
  if (!fd_.valid()) return absl::FailedPreconditionError("blob writer is already closed");
  if (::fsync(fd_.get()) != 0) return ErrnoToStatus(errno, absl::StrCat("fsync '", path_, "'"));
  fd_.reset();
  digest_ = hash_.FinalDigest();
  return digest_;
}

absl::StatusOr<std::unique_ptr<BlobWriter>> ContentStore::NewWriter() {
  std::string path = absl::StrCat(paths_.tmp_dir(), "/ingest-", RandomId(16));
  fs::ScopedFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("create '", path, "'"));
  return std::unique_ptr<BlobWriter>(new BlobWriter(std::move(path), std::move(fd)));
}

absl::Status ContentStore::Commit(BlobWriter& writer) {
  if (writer.digest_.empty()) return absl::FailedPreconditionError("blob writer not closed");
  BERTH_ASSIGN_OR_RETURN(std::string hex, DigestHex(writer.digest_));
  std::string target = paths_.blob(hex);
  if (::chmod(writer.path_.c_str(), 0444) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("chmod '", writer.path_, "'"));
  }
  // rename() over an existing blob is harmless: same digest, same bytes.
  if (::rename(writer.path_.c_str(), target.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("rename blob to '", target, "'"));
  }
  writer.committed_ = true;
  return FsyncDir(paths_.blobs_dir());
}

absl::StatusOr<std::string> ContentStore::Put(const std::string& data) {
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, NewWriter());
  BERTH_RETURN_IF_ERROR(writer->Write(data.data(), data.size()));
  BERTH_ASSIGN_OR_RETURN(std::string digest, writer->Close());
  BERTH_RETURN_IF_ERROR(Commit(*writer));
  return digest;
}

absl::StatusOr<std::string> ContentStore::Read(const std::string& digest) const {
  BERTH_ASSIGN_OR_RETURN(std::string hex, DigestHex(digest));
  BERTH_ASSIGN_OR_RETURN(std::string data, fs::ReadFile(paths_.blob(hex)));
  if (DigestOf(data) != digest) {
    return absl::DataLossError(absl::StrCat("blob '", digest, "' does not match its digest"));
  }
  return data;
}

bool ContentStore::Exists(const std::string& digest) const {
  auto hex = DigestHex(digest);
  struct stat st;
  return hex.ok() && ::stat(paths_.blob(*hex).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

absl::StatusOr<int64_t> ContentStore::Size(const std::string& digest) const {
  BERTH_ASSIGN_OR_RETURN(std::string hex, DigestHex(digest));
  struct stat st;
  if (::stat(paths_.blob(hex).c_str(), &st) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("stat blob '", digest, "'"));
  }
  return static_cast<int64_t>(st.st_size);
}

absl::Status ContentStore::Delete(const std::string& digest) {
  BERTH_ASSIGN_OR_RETURN(std::string hex, DigestHex(digest));
  if (::unlink(paths_.blob(hex).c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat("remove blob '", digest, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ContentStore::List() const {
  std::vector<std::string> out;
  DIR* dir = ::opendir(paths_.blobs_dir().c_str());
  if (dir == nullptr) return ErrnoToStatus(errno, absl::StrCat("open '", paths_.blobs_dir(), "'"));
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    // Anything that is not a 64-hex name is not ours to interpret.
    if (reference::IsFullHexId(name)) out.push_back(absl::StrCat("sha256:", name));
  }
  ::closedir(dir);
  return out;
}

}  // namespace berth::imaged::content
