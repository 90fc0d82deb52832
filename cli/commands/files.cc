#include "cli/commands/files.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/client.h"

namespace berth::cli {
namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr uint32_t kGoModeDir = 1u << 31;

struct FileFlags {
  std::vector<std::string> args;
  bool archive_mode = false;  // cp -a
  bool follow = false;        // cp -L
  std::string output;         // export -o
  std::string message;        // commit -m
  std::string author;         // commit -a
  std::vector<std::string> changes;  // commit -c
  bool no_pause = false;     // commit --no-pause
};

// "name:path" → (name, path); a path with "/" before any ":" is local.
bool SplitContainerArg(const std::string& arg, std::string* container, std::string* path) {
  size_t colon = arg.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  if (arg.find('/') < colon) return false;
  *container = arg.substr(0, colon);
  *path = arg.substr(colon + 1);
  return true;
}

std::string BaseName(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string DirName(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The stat of a container path; nullopt-like: ok=false with NOT_FOUND.
grpc::Status StatInContainer(ApiClient& client, const std::string& container,
                             const std::string& path, v1::ContainerPathStat* stat) {
  v1::ContainerPathRequest request;
  request.set_container(container);
  request.set_path(path);
  auto context = client.UnaryContext();
  return client.stub().StatContainerPath(context.get(), request, stat);
}

// Renames the tar's top entry `from` to `to` (docker cp's rebase).
std::string Rebase(const std::string& name, const std::string& from, const std::string& to) {
  if (from.empty() || from == to) return name;
  if (name == from) return to;
  if (name.rfind(from + "/", 0) == 0) return to + name.substr(from.size());
  return name;
}

// Container → host. The tar comes with the top entry named after the
// source's base name; it is extracted into `dest` (an existing directory) or
// renamed to dest's base name in dest's parent, like docker cp.
int CopyFrom(const GlobalOptions& global, const std::string& container, const std::string& src,
             const std::string& dest, const FileFlags& f) {
  ApiClient client(global.host);
  std::string path = src;
  if (f.follow) {
    v1::ContainerPathStat stat;
    grpc::Status s = StatInContainer(client, container, src, &stat);
    if (!s.ok()) {
      client.PrintError(s);
      return kExitError;
    }
    if (!stat.link_target().empty()) path = stat.link_target();
  }
  v1::ContainerPathRequest request;
  request.set_container(container);
  request.set_path(path);
  grpc::ClientContext context;
  auto reader = client.stub().ArchiveContainerPath(&context, request);
  v1::ContainerArchiveChunk chunk;
  if (dest == "-") {
    while (reader->Read(&chunk)) {
      if (!WriteAll(STDOUT_FILENO, chunk.data())) {
        context.TryCancel();
        break;
      }
    }
    grpc::Status status = reader->Finish();
    if (!status.ok()) {
      client.PrintError(status);
      return kExitError;
    }
    return kExitOk;
  }
  struct stat dst;
  bool dest_is_dir = ::stat(dest.c_str(), &dst) == 0 && S_ISDIR(dst.st_mode);
  bool contents_only = src.size() >= 2 && src.compare(src.size() - 2, 2, "/.") == 0;
  std::string top, parent, new_top;
  std::unique_ptr<archive, int (*)(archive*)> in(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(in.get());
  std::string buffer;
  bool first = true;
  struct Source {
    grpc::ClientReader<v1::ContainerArchiveChunk>* reader;
    v1::ContainerArchiveChunk* chunk;
    bool* first;
    v1::ContainerPathStat stat;
  } source{reader.get(), &chunk, &first, {}};
  // The first message carries the stat: read it before libarchive starts.
  if (!reader->Read(&chunk)) {
    grpc::Status status = reader->Finish();
    client.PrintError(status);
    return kExitError;
  }
  source.stat = chunk.stat();
  std::string src_base = source.stat.name();
  if (dest_is_dir) {
    parent = dest;
    new_top = contents_only ? "." : src_base;
  } else {
    parent = DirName(dest);
    new_top = BaseName(dest);
    if (source.stat.mode() & kGoModeDir && ::access(parent.c_str(), F_OK) != 0) {
      std::cerr << "berth: destination directory " << parent << " does not exist\n";
      return kExitError;
    }
  }
  auto read_cb = [](archive*, void* opaque, const void** buf) -> la_ssize_t {
    auto* s = static_cast<Source*>(opaque);
    if (*s->first) {
      *s->first = false;
    } else if (!s->reader->Read(s->chunk)) {
      return 0;
    }
    *buf = s->chunk->data().data();
    return static_cast<la_ssize_t>(s->chunk->data().size());
  };
  archive_read_open(in.get(), &source, nullptr, read_cb, nullptr);
  std::unique_ptr<archive, int (*)(archive*)> out(archive_write_disk_new(), archive_write_free);
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                (::geteuid() == 0 && f.archive_mode
                                                     ? ARCHIVE_EXTRACT_OWNER
                                                     : 0));
  // Names are rebased under `parent` (absolute on purpose); ".." in them
  // and writes through symlinks are refused by the SECURE flags.
  int rc = kExitOk;
  archive_entry* e;
  while (archive_read_next_header(in.get(), &e) == ARCHIVE_OK) {
    std::string name = Rebase(archive_entry_pathname(e), src_base, new_top);
    if (name == "." || name.empty()) continue;
    if (name.rfind("./", 0) == 0) name = name.substr(2);
    archive_entry_set_pathname(e, (parent + "/" + name).c_str());
    if (const char* hl = archive_entry_hardlink(e)) {
      archive_entry_set_hardlink(e, (parent + "/" + Rebase(hl, src_base, new_top)).c_str());
    }
    if (archive_write_header(out.get(), e) != ARCHIVE_OK) {
      std::cerr << "berth: " << archive_error_string(out.get()) << "\n";
      rc = kExitError;
      break;
    }
    const void* buf;
    size_t size;
    la_int64_t offset;
    while (archive_read_data_block(in.get(), &buf, &size, &offset) == ARCHIVE_OK) {
      archive_write_data_block(out.get(), buf, size, offset);
    }
    archive_write_finish_entry(out.get());
  }
  archive_write_close(out.get());
  if (rc != kExitOk) context.TryCancel();
  while (reader->Read(&chunk)) {
  }
  grpc::Status status = reader->Finish();
  if (!status.ok() && rc == kExitOk) {
    client.PrintError(status);
    return kExitError;
  }
  return rc;
}

la_ssize_t AppendTo(archive*, void* opaque, const void* buf, size_t size) {
  static_cast<std::string*>(opaque)->append(static_cast<const char*>(buf), size);
  return static_cast<la_ssize_t>(size);
}

// Host → container: `src` as a tar whose top entry is `top`.
bool TarHostPath(const std::string& src, const std::string& top, std::string* tar,
                 std::string* error) {
  std::unique_ptr<archive, int (*)(archive*)> disk(archive_read_disk_new(), archive_read_free);
  archive_read_disk_set_symlink_physical(disk.get());
  archive_read_disk_set_standard_lookup(disk.get());
  if (archive_read_disk_open(disk.get(), src.c_str()) != ARCHIVE_OK) {
    *error = archive_error_string(disk.get());
    return false;
  }
  std::unique_ptr<archive, int (*)(archive*)> out(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(out.get());
  archive_write_set_bytes_per_block(out.get(), 0);
  archive_write_open(out.get(), tar, nullptr, AppendTo, nullptr);
  std::string prefix = src;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  for (;;) {
    archive_entry* e = archive_entry_new();
    int r = archive_read_next_header2(disk.get(), e);
    if (r == ARCHIVE_EOF) {
      archive_entry_free(e);
      break;
    }
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      *error = archive_error_string(disk.get());
      archive_entry_free(e);
      return false;
    }
    archive_read_disk_descend(disk.get());
    std::string name = archive_entry_pathname(e);
    std::string rel = name.size() > prefix.size() ? name.substr(prefix.size()) : "";
    archive_entry_set_pathname(e, (top + rel).c_str());
    archive_entry_set_uname(e, nullptr);
    archive_entry_set_gname(e, nullptr);
    archive_write_header(out.get(), e);
    if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0) {
      int fd = ::open(archive_entry_sourcepath(e), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        *error = std::string("open ") + archive_entry_sourcepath(e) + ": " + std::strerror(errno);
        archive_entry_free(e);
        return false;
      }
      char buf[kChunk];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof(buf))) > 0) archive_write_data(out.get(), buf, n);
      ::close(fd);
    }
    archive_entry_free(e);
  }
  archive_write_close(out.get());
  return true;
}

int CopyTo(const GlobalOptions& global, const std::string& src, const std::string& container,
           const std::string& dest, const FileFlags& f) {
  ApiClient client(global.host);
  std::string tar, dir = dest, error;
  if (src == "-") {
    char buf[kChunk];
    ssize_t n;
    while ((n = ::read(STDIN_FILENO, buf, sizeof(buf))) > 0) tar.append(buf, n);
  } else {
    struct stat st;
    if (::lstat(src.c_str(), &st) != 0) {
      std::cerr << "berth: stat " << src << ": " << std::strerror(errno) << "\n";
      return kExitError;
    }
    v1::ContainerPathStat dst;
    grpc::Status s = StatInContainer(client, container, dest, &dst);
    std::string top = BaseName(src);
    if (s.ok() && (dst.mode() & kGoModeDir)) {
      dir = dest;  // into the existing directory
    } else if (s.ok() || s.error_code() == grpc::StatusCode::NOT_FOUND) {
      dir = DirName(dest);  // to a new name (or over a file) in its parent
      top = BaseName(dest);
    } else {
      client.PrintError(s);
      return kExitError;
    }
    if (!TarHostPath(src, top, &tar, &error)) {
      std::cerr << "berth: " << error << "\n";
      return kExitError;
    }
  }
  grpc::ClientContext context;
  v1::ExtractToContainerResponse response;
  auto writer = client.stub().ExtractToContainer(&context, &response);
  v1::ExtractToContainerRequest header;
  header.set_container(container);
  header.set_path(dir);
  header.set_no_overwrite_dir_non_dir(true);
  header.set_copy_uid_gid(f.archive_mode);
  bool sending = writer->Write(header);
  for (size_t off = 0; sending && off < tar.size(); off += kChunk) {
    v1::ExtractToContainerRequest msg;
    msg.set_data(tar.substr(off, kChunk));
    sending = writer->Write(msg);
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  return kExitOk;
}

int Cp(const GlobalOptions& global, const FileFlags& f) {
  std::string container, path;
  if (SplitContainerArg(f.args[0], &container, &path)) {
    std::string other, ignored;
    if (SplitContainerArg(f.args[1], &other, &ignored)) {
      std::cerr << "berth: copying between containers is not supported\n";
      return kExitUsage;
    }
    return CopyFrom(global, container, path, f.args[1], f);
  }
  if (SplitContainerArg(f.args[1], &container, &path)) {
    return CopyTo(global, f.args[0], container, path, f);
  }
  std::cerr << "berth: must specify at least one container source\n";
  return kExitUsage;
}

int Export(const GlobalOptions& global, const FileFlags& f) {
  int fd = STDOUT_FILENO;
  if (!f.output.empty()) {
    fd = ::open(f.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::cerr << "berth: open " << f.output << ": " << std::strerror(errno) << "\n";
      return kExitError;
    }
  } else if (::isatty(STDOUT_FILENO)) {
    std::cerr << "berth: cowardly refusing to save to a terminal. Use the -o flag or redirect\n";
    return kExitError;
  }
  ApiClient client(global.host);
  v1::ContainerExportRequest request;
  request.set_container(f.args[0]);
  grpc::ClientContext context;
  auto reader = client.stub().ExportContainer(&context, request);
  v1::ContainerArchiveChunk chunk;
  bool ok = true;
  while (reader->Read(&chunk)) {
    if (ok && !WriteAll(fd, chunk.data())) {
      ok = false;
      context.TryCancel();
    }
  }
  grpc::Status status = reader->Finish();
  if (fd != STDOUT_FILENO) ::close(fd);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  return ok ? kExitOk : kExitError;
}

int Diff(const GlobalOptions& global, const FileFlags& f) {
  ApiClient client(global.host);
  v1::ContainerChangesRequest request;
  request.set_container(f.args[0]);
  v1::ContainerChangesResponse response;
  auto context = client.UnaryContext();
  grpc::Status status = client.stub().ContainerChanges(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  for (const v1::ContainerChange& c : response.changes()) {
    const char* kind = c.kind() == 1 ? "A" : c.kind() == 2 ? "D" : "C";
    std::cout << kind << " " << c.path() << "\n";
  }
  return kExitOk;
}

int Commit(const GlobalOptions& global, const FileFlags& f) {
  v1::CommitContainerRequest request;
  request.set_container(f.args[0]);
  if (f.args.size() > 1) {
    std::string ref = f.args[1];
    size_t colon = ref.rfind(':');
    if (colon != std::string::npos && ref.find('/', colon) == std::string::npos) {
      request.set_tag(ref.substr(colon + 1));
      ref = ref.substr(0, colon);
    }
    request.set_repo(ref);
  }
  request.set_comment(f.message);
  request.set_author(f.author);
  request.set_pause(!f.no_pause);
  for (const std::string& c : f.changes) request.add_changes(c);
  ApiClient client(global.host);
  auto context = client.UnaryContext(std::chrono::seconds(600));
  v1::CommitContainerResponse response;
  grpc::Status status = client.stub().CommitContainer(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  std::cout << response.id() << std::endl;
  return kExitOk;
}

}  // namespace

void AddFileCommands(CLI::App& app, const GlobalOptions& global, std::function<int()>& action) {
  static FileFlags f;
  CLI::App* cp = app.add_subcommand(
      "cp", "Copy files/folders between a container and the local filesystem");
  cp->add_flag("-a,--archive", f.archive_mode, "Archive mode (copy all uid/gid information)");
  cp->add_flag("-L,--follow-link", f.follow, "Always follow symbol link in SRC_PATH");
  cp->add_option("paths", f.args, "SRC DEST (CONTAINER:PATH on one side, - for a tar stream)")
      ->required()
      ->expected(2);
  cp->callback([&] { action = [&] { return Cp(global, f); }; });

  CLI::App* exp = app.add_subcommand("export", "Export a container's filesystem as a tar archive");
  exp->add_option("-o,--output", f.output, "Write to a file, instead of STDOUT");
  exp->add_option("container", f.args, "CONTAINER")->required()->expected(1);
  exp->callback([&] { action = [&] { return Export(global, f); }; });

  CLI::App* diff = app.add_subcommand("diff", "Inspect changes to files or directories on a container's filesystem");
  diff->add_option("container", f.args, "CONTAINER")->required()->expected(1);
  diff->callback([&] { action = [&] { return Diff(global, f); }; });

  CLI::App* commit = app.add_subcommand("commit", "Create a new image from a container's changes");
  commit->add_option("-m,--message", f.message, "Commit message");
  commit->add_option("-a,--author", f.author, "Author");
  commit->add_option("-c,--change", f.changes, "Apply Dockerfile instruction to the created image");
  commit->add_flag("--no-pause", f.no_pause, "Do not pause the container during commit");
  commit->add_option("args", f.args, "CONTAINER [REPOSITORY[:TAG]]")->required()->expected(1, 2);
  commit->callback([&] { action = [&] { return Commit(global, f); }; });
}

}  // namespace berth::cli
