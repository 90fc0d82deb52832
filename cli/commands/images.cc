// `berth import`, `berth images`, `berth rmi`, `berth pull`, `berth push`, `berth tag`.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/commands/client.h"
#include "cli/commands/commands.h"
#include "cli/commands/registry_auth.h"
#include "cli/format.h"
#include "cli/list_filters.h"
#include "cli/progress.h"
#include "cli/terminal.h"

namespace berth::cli {
namespace {

// Chunk size of the import stream: well under gRPC's default 4 MiB message
// limit, large enough that per-message overhead does not matter.
constexpr size_t kImportChunkSize = 64 * 1024;

}  // namespace

int RunImport(const GlobalOptions& global, const ImportOptions& options) {
  int fd = STDIN_FILENO;
  if (options.source != "-") {
    fd = open(options.source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "berth: open " << options.source << ": " << std::strerror(errno) << std::endl;
      return kExitError;
    }
  }
  ApiClient client(global.host);
  // No deadline: an import is as long as the archive.
  grpc::ClientContext context;
  berth::v1::ImportImageResponse response;
  auto writer = client.stub().ImportImage(&context, &response);

  berth::v1::ImportImageRequest first;
  first.mutable_options()->set_repo(options.reference);
  first.mutable_options()->set_message(options.message);
  for (const std::string& change : options.changes) {
    first.mutable_options()->add_changes(change);
  }
  // A failed Write means the server already ended the call; Finish() then
  // carries its reason, so the loop just stops sending.
  bool sending = writer->Write(first);
  std::string read_error;
  std::vector<char> buf(kImportChunkSize);
  while (sending) {
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      read_error = std::strerror(errno);
      break;
    }
    if (n == 0) {
      break;
    }
    berth::v1::ImportImageRequest chunk;
    chunk.set_chunk(buf.data(), static_cast<size_t>(n));
    sending = writer->Write(chunk);
  }
  if (fd != STDIN_FILENO) {
    close(fd);
  }
  if (!read_error.empty()) {
    // Do not let the daemon import a truncated archive.
    context.TryCancel();
    writer->Finish();
    std::cerr << "berth: read " << options.source << ": " << read_error << std::endl;
    return kExitError;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  std::cout << response.image().id() << std::endl;
  return kExitOk;
}

int RunImages(const GlobalOptions& global, const ImagesOptions& options) {
  ApiClient client(global.host);
  auto context = client.UnaryContext();
  berth::v1::ListImagesApiRequest request;
  request.set_all(options.all);
  if (absl::Status s = AddFilterFlags(options.filters, request.mutable_filters()); !s.ok()) {
    std::cerr << "berth: " << s.message() << std::endl;
    return kExitUsage;
  }
  berth::v1::ListImagesResponse response;
  grpc::Status status = client.stub().ListImages(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  std::vector<const berth::v1::Image*> images;
  for (const auto& image : response.images()) {
    images.push_back(&image);
  }
  // Newest first, like docker.
  std::stable_sort(images.begin(), images.end(), [](const auto* a, const auto* b) {
    return ToAbslTime(a->created()) > ToAbslTime(b->created());
  });
  if (options.quiet) {
    std::set<std::string> seen;
    for (const auto* image : images) {
      if (seen.insert(image->id()).second) {
        std::cout << ShortId(image->id()) << "\n";
      }
    }
    return kExitOk;
  }
  const absl::Time now = absl::Now();
  std::vector<std::vector<std::string>> rows = {
      {"REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"}};
  for (const auto* image : images) {
    const std::string id = ShortId(image->id());
    const std::string created = TimeAgo(ToAbslTime(image->created()), now);
    const std::string size = HumanSize(image->size());
    if (image->repo_tags().empty()) {
      rows.push_back({"<none>", "<none>", id, created, size});
      continue;
    }
    for (const std::string& tag : image->repo_tags()) {
      auto [repo, t] = SplitRepoTag(tag);
      rows.push_back({repo, t, id, created, size});
    }
  }
  std::cout << FormatTable(rows);
  return kExitOk;
}

int RunRmi(const GlobalOptions& global, const std::vector<std::string>& images, bool force) {
  ApiClient client(global.host);
  int exit_code = kExitOk;
  for (const std::string& image : images) {
    auto context = client.UnaryContext();
    berth::v1::RemoveImageRequest request;
    request.set_reference(image);
    request.set_force(force);
    berth::v1::RemoveImageResponse response;
    grpc::Status status = client.stub().RemoveImage(context.get(), request, &response);
    if (!status.ok()) {
      client.PrintError(status);
      exit_code = kExitError;
      continue;
    }
    for (const std::string& untagged : response.untagged()) {
      std::cout << "Untagged: " << untagged << "\n";
    }
    for (const std::string& deleted : response.deleted()) {
      std::cout << "Deleted: " << deleted << "\n";
    }
    std::cout.flush();
  }
  return exit_code;
}

namespace {

// Shows a progress stream as the docker CLI does: bars on a terminal, plain
// lines otherwise (cli/progress.h).
template <typename Reader>
int PrintProgress(ApiClient& client, Reader& reader) {
  berth::v1::ProgressMessage message;
  ProgressDisplay display(std::cout, IsTerminal(STDOUT_FILENO));
  while (reader->Read(&message)) {
    display.Show(message.id(), message.status(), message.current(), message.total());
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

int RunPull(const GlobalOptions& global, const std::string& image) {
  ApiClient client(global.host);
  grpc::ClientContext context;  // a pull takes as long as the download
  berth::v1::PullImageRequest request;
  request.set_reference(image);
  absl::StatusOr<std::string> auth = RegistryAuthFor(RegistryKeyOfImage(image));
  if (!auth.ok()) {
    std::cerr << "berth: " << auth.status().message() << std::endl;
    return kExitError;
  }
  request.set_registry_auth(*auth);  // Docker's X-Registry-Auth, from config.json
  auto reader = client.stub().PullImage(&context, request);
  return PrintProgress(client, reader);
}

int RunPush(const GlobalOptions& global, const std::string& image) {
  ApiClient client(global.host);
  grpc::ClientContext context;
  berth::v1::PushImageRequest request;
  request.set_reference(image);
  absl::StatusOr<std::string> auth = RegistryAuthFor(RegistryKeyOfImage(image));
  if (!auth.ok()) {
    std::cerr << "berth: " << auth.status().message() << std::endl;
    return kExitError;
  }
  request.set_registry_auth(*auth);
  auto reader = client.stub().PushImage(&context, request);
  return PrintProgress(client, reader);
}

int RunTag(const GlobalOptions& global, const std::string& source, const std::string& target) {
  ApiClient client(global.host);
  auto context = client.UnaryContext();
  berth::v1::TagImageRequest request;
  request.set_source(source);
  request.set_target(target);
  berth::v1::TagImageResponse response;
  grpc::Status status = client.stub().TagImage(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  return kExitOk;
}

}  // namespace berth::cli
