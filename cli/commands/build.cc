// `berth build PATH`: tars the context directory (symlinks kept as links,
// nothing followed), sends it with the options over the BuildImage stream and
// prints the build's output as it comes. .dockerignore is applied by apid.
// Exit code: 0, the failing RUN's code, or 1.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "cli/commands/build_options.h"
#include "cli/commands/client.h"
#include "cli/commands/commands.h"

namespace berth::cli {
namespace {

namespace stdfs = std::filesystem;

constexpr size_t kChunk = 256 * 1024;
// Where a Dockerfile from stdin or from outside the context goes in the tar.
constexpr char kOutsideDockerfile[] = ".berth-dockerfile";

la_ssize_t Append(archive*, void* out, const void* buf, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), size);
  return static_cast<la_ssize_t>(size);
}

bool AddEntry(archive* a, const std::string& name, const struct stat& st, const std::string& data,
              const std::string& link) {
  std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                             archive_entry_free);
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_perm(e.get(), st.st_mode & 07777);
  archive_entry_set_uid(e.get(), st.st_uid);
  archive_entry_set_gid(e.get(), st.st_gid);
  archive_entry_set_mtime(e.get(), st.st_mtime, 0);
  if (S_ISDIR(st.st_mode)) {
    archive_entry_set_filetype(e.get(), AE_IFDIR);
  } else if (S_ISLNK(st.st_mode)) {
    archive_entry_set_filetype(e.get(), AE_IFLNK);
    archive_entry_set_symlink(e.get(), link.c_str());
  } else {
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
  }
  if (archive_write_header(a, e.get()) != ARCHIVE_OK) return false;
  return data.empty() || archive_write_data(a, data.data(), data.size()) >= 0;
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// The context directory as a tar; `extra_dockerfile` (if not empty) is added
// as kOutsideDockerfile.
bool TarContext(const std::string& dir, const std::string& extra_dockerfile, std::string* tar,
                std::string* error) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  archive_write_set_bytes_per_block(a.get(), 0);
  archive_write_open(a.get(), tar, nullptr, Append, nullptr);
  std::error_code ec;
  stdfs::recursive_directory_iterator it(dir, stdfs::directory_options::none, ec);
  if (ec) {
    *error = "unable to prepare context: " + ec.message();
    return false;
  }
  for (; it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      *error = ec.message();
      return false;
    }
    std::string path = it->path().string();
    std::string name = stdfs::relative(it->path(), dir).generic_string();
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    std::string data, link;
    if (S_ISREG(st.st_mode)) {
      if (!ReadWholeFile(path, &data)) {
        *error = "unable to read " + path;
        return false;
      }
    } else if (S_ISLNK(st.st_mode)) {
      link = stdfs::read_symlink(it->path(), ec).string();
    } else if (!S_ISDIR(st.st_mode)) {
      continue;
    }
    if (!AddEntry(a.get(), name, st, data, link)) {
      *error = "unable to tar " + name;
      return false;
    }
  }
  if (!extra_dockerfile.empty()) {
    struct stat st = {};
    st.st_mode = S_IFREG | 0644;
    AddEntry(a.get(), kOutsideDockerfile, st, extra_dockerfile, "");
  }
  archive_write_close(a.get());
  return true;
}

void AddPairs(const std::vector<std::string>& items, bool from_env,
              google::protobuf::Map<std::string, std::string>* out) {
  for (const std::string& item : items) {
    size_t eq = item.find('=');
    if (eq != std::string::npos) {
      (*out)[item.substr(0, eq)] = item.substr(eq + 1);
    } else if (from_env) {
      // --build-arg KEY takes the value from the environment, or is skipped.
      if (const char* v = std::getenv(item.c_str()); v != nullptr) (*out)[item] = v;
    } else {
      (*out)[item] = "";
    }
  }
}

}  // namespace

int RunBuild(const GlobalOptions& global, const BuildOptions& options) {
  std::error_code ec;
  if (!stdfs::is_directory(options.context, ec)) {
    std::cerr << "unable to prepare context: path \"" << options.context << "\" not found"
              << std::endl;
    return kExitError;
  }
  berth::v1::BuildImageRequest first;
  auto* o = first.mutable_options();
  std::string outside;
  if (options.file == "-") {
    outside.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    o->set_dockerfile(kOutsideDockerfile);
  } else if (!options.file.empty()) {
    stdfs::path file = stdfs::absolute(options.file, ec);
    stdfs::path root = stdfs::absolute(options.context, ec);
    std::string rel = stdfs::relative(file, root, ec).generic_string();
    if (rel.empty() || rel.rfind("..", 0) == 0) {
      if (!ReadWholeFile(options.file, &outside)) {
        std::cerr << "unable to read Dockerfile " << options.file << std::endl;
        return kExitError;
      }
      o->set_dockerfile(kOutsideDockerfile);
    } else {
      o->set_dockerfile(rel);
    }
  }
  for (const std::string& t : options.tags) o->add_tags(t);
  AddPairs(options.build_args, true, o->mutable_build_args());
  AddPairs(options.labels, false, o->mutable_labels());
  o->set_target(options.target);
  o->set_no_cache(options.no_cache);
  o->set_quiet(options.quiet);
  o->set_pull(options.pull);
  o->set_network_mode(options.network);
  o->set_keep_containers(!options.rm);

  std::string tar, error;
  if (!TarContext(options.context, outside, &tar, &error)) {
    std::cerr << error << std::endl;
    return kExitError;
  }
  ApiClient client(global.host);
  grpc::ClientContext context;  // no deadline: a build takes as long as its steps
  auto stream = client.stub().BuildImage(&context);
  bool open = stream->Write(first);
  for (size_t offset = 0; open && offset < tar.size(); offset += kChunk) {
    berth::v1::BuildImageRequest chunk;
    chunk.set_chunk(tar.substr(offset, kChunk));
    open = stream->Write(chunk);
  }
  stream->WritesDone();
  int code = 0;
  std::string image_id;
  berth::v1::BuildImageEvent event;
  while (stream->Read(&event)) {
    if (event.has_stream()) {
      std::cout << event.stream() << std::flush;
    } else if (!event.image_id().empty()) {
      image_id = event.image_id();
    } else if (event.has_error()) {
      std::cerr << event.error().message() << std::endl;
      code = event.error().exit_code() == 0 ? 1 : event.error().exit_code();
    }
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  if (code == 0 && !options.iidfile.empty()) {
    std::ofstream out(options.iidfile, std::ios::trunc);
    out << image_id;
    if (!out) {
      std::cerr << "failed to write image ID to " << options.iidfile << std::endl;
      return kExitError;
    }
  }
  return code;
}

}  // namespace berth::cli
