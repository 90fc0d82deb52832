#include "cli/commands/image_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/commands/client.h"
#include "cli/commands/registry_auth.h"
#include "cli/format.h"
#include "common/time/proto_time.h"

namespace berth::cli {
namespace {

constexpr size_t kChunkSize = 64 * 1024;

struct ImageStoreFlags {
  std::vector<std::string> names;
  std::string output;  // save -o
  std::string input;   // load -i
  bool quiet = false;  // load -q, history -q
  bool all = false;    // prune -a
  bool force = false;  // prune -f (there is no prompt: accepted for docker parity)
  bool no_trunc = false;
  std::vector<std::string> filters;  // prune --filter
  int limit = 0;                     // search --limit
  std::string username;              // login -u
  std::string password;              // login -p
  bool password_stdin = false;       // login --password-stdin
  std::string server;                // login/logout SERVER
};

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int Save(const GlobalOptions& global, const ImageStoreFlags& f) {
  int fd = STDOUT_FILENO;
  std::string temp;
  if (f.output.empty()) {
    if (::isatty(STDOUT_FILENO)) {
      std::cerr << "berth: cowardly refusing to save to a terminal. Use the -o flag or redirect"
                << std::endl;
      return kExitError;
    }
  } else {
    // Written beside the target and renamed at the end: a failed save leaves
    // no truncated archive under the name asked for.
    temp = f.output + ".berth-tmp";
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::cerr << "berth: open " << f.output << ": " << std::strerror(errno) << std::endl;
      return kExitError;
    }
  }
  ApiClient client(global.host);
  grpc::ClientContext context;
  berth::v1::SaveImagesRequest request;
  for (const std::string& n : f.names) request.add_references(n);
  auto reader = client.stub().SaveImages(&context, request);
  berth::v1::SaveImagesChunk chunk;
  bool write_failed = false;
  while (reader->Read(&chunk)) {
    if (!WriteAll(fd, chunk.data())) {
      write_failed = true;
      context.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (!temp.empty()) ::close(fd);
  if (write_failed || !status.ok()) {
    if (!temp.empty()) ::unlink(temp.c_str());
    if (write_failed) {
      std::cerr << "berth: write: " << std::strerror(errno) << std::endl;
    } else {
      client.PrintError(status, "berth: ");
    }
    return kExitError;
  }
  if (!temp.empty() && ::rename(temp.c_str(), f.output.c_str()) != 0) {
    std::cerr << "berth: rename to " << f.output << ": " << std::strerror(errno) << std::endl;
    ::unlink(temp.c_str());
    return kExitError;
  }
  return kExitOk;
}

int Load(const GlobalOptions& global, const ImageStoreFlags& f) {
  int fd = STDIN_FILENO;
  if (!f.input.empty()) {
    fd = ::open(f.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "berth: open " << f.input << ": " << std::strerror(errno) << std::endl;
      return kExitError;
    }
  } else if (::isatty(STDIN_FILENO)) {
    std::cerr << "berth: requested load from stdin, but stdin is empty" << std::endl;
    return kExitError;
  }
  ApiClient client(global.host);
  grpc::ClientContext context;
  berth::v1::LoadImagesResponse response;
  auto writer = client.stub().LoadImages(&context, &response);
  std::vector<char> buf(kChunkSize);
  std::string read_error;
  bool sending = true;
  while (sending) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      read_error = std::strerror(errno);
      break;
    }
    if (n == 0) break;
    berth::v1::LoadImagesRequest message;
    message.set_chunk(buf.data(), static_cast<size_t>(n));
    sending = writer->Write(message);
  }
  if (fd != STDIN_FILENO) ::close(fd);
  if (!read_error.empty()) {
    context.TryCancel();  // never load a truncated archive
    writer->Finish();
    std::cerr << "berth: read: " << read_error << std::endl;
    return kExitError;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    client.PrintError(status, "berth: ");
    return kExitError;
  }
  if (!f.quiet) {
    for (const auto& layer : response.layers()) {
      std::cout << ShortId(layer.diff_id()) << ": Loading layer " << HumanSize(layer.size())
                << "\n";
    }
  }
  for (const std::string& tag : response.tags()) std::cout << "Loaded image: " << tag << "\n";
  for (const std::string& id : response.untagged_ids()) {
    std::cout << "Loaded image ID: " << id << "\n";
  }
  return kExitOk;
}

int History(const GlobalOptions& global, const ImageStoreFlags& f) {
  ApiClient client(global.host);
  auto context = client.UnaryContext();
  berth::v1::ImageHistoryRequest request;
  request.set_reference(f.names.front());
  berth::v1::ImageHistoryResponse response;
  grpc::Status status = client.stub().ImageHistory(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status, "berth: ");
    return kExitError;
  }
  if (f.quiet) {
    for (const auto& item : response.items()) {
      std::cout << (item.id() == "<missing>" || f.no_trunc ? item.id() : ShortId(item.id()))
                << "\n";
    }
    return kExitOk;
  }
  const absl::Time now = absl::Now();
  std::vector<std::vector<std::string>> rows = {
      {"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"}};
  for (const auto& item : response.items()) {
    std::string id = item.id() == "<missing>" || f.no_trunc ? item.id() : ShortId(item.id());
    std::string by = item.created_by();
    if (!f.no_trunc && by.size() > 45) by = by.substr(0, 44) + "…";
    rows.push_back({id, TimeAgo(ToAbslTime(item.created()), now), by, HumanSize(item.size()),
                    item.comment()});
  }
  std::cout << FormatTable(rows);
  return kExitOk;
}

int Prune(const GlobalOptions& global, const ImageStoreFlags& f) {
  berth::v1::PruneImagesRequest request;
  request.set_all(f.all);
  for (const std::string& filter : f.filters) {
    std::vector<std::string> kv = absl::StrSplit(filter, absl::MaxSplits('=', 1));
    if (kv.size() != 2) {
      std::cerr << "berth: bad format of filter (expected name=value)" << std::endl;
      return kExitError;
    }
    if (kv[0] == "label") {
      request.add_labels(kv[1]);
    } else if (kv[0] == "label!") {
      request.add_without_labels(kv[1]);
    } else if (kv[0] == "until") {
      // Durations and absolute times: see the REST handler; here Go-style
      // durations and Unix seconds.
      absl::Duration ago;
      int64_t unix_seconds = 0;
      if (absl::ParseDuration(kv[1], &ago)) {
        *request.mutable_until() = ToTimestamp(absl::Now() - ago);
      } else if (absl::SimpleAtoi(kv[1], &unix_seconds)) {
        request.mutable_until()->set_seconds(unix_seconds);
      } else {
        std::cerr << "berth: invalid until '" << kv[1] << "' (a duration like 24h or Unix seconds)"
                  << std::endl;
        return kExitError;
      }
    } else {
      std::cerr << "berth: invalid filter '" << kv[0] << "'" << std::endl;
      return kExitError;
    }
  }
  ApiClient client(global.host);
  auto context = client.UnaryContext(std::chrono::minutes(5));
  berth::v1::PruneImagesResponse response;
  grpc::Status status = client.stub().PruneImages(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status, "berth: ");
    return kExitError;
  }
  if (response.untagged_size() + response.deleted_size() > 0) {
    std::cout << "Deleted Images:\n";
    for (const std::string& t : response.untagged()) std::cout << "untagged: " << t << "\n";
    for (const std::string& d : response.deleted()) std::cout << "deleted: " << d << "\n";
    std::cout << "\n";
  }
  std::cout << "Total reclaimed space: " << HumanSize(response.space_reclaimed()) << "\n";
  return kExitOk;
}

int Search(const GlobalOptions& global, const ImageStoreFlags& f) {
  ApiClient client(global.host);
  auto context = client.UnaryContext();
  berth::v1::SearchImagesRequest request;
  request.set_term(f.names.front());
  request.set_limit(f.limit);
  absl::StatusOr<std::string> auth = RegistryAuthFor(RegistryKeyOfImage(f.names.front()));
  if (!auth.ok()) {
    std::cerr << "berth: " << auth.status().message() << std::endl;
    return kExitError;
  }
  request.set_registry_auth(*auth);
  berth::v1::SearchImagesResponse response;
  grpc::Status status = client.stub().SearchImages(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status, "berth: ");
    return kExitError;
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "DESCRIPTION", "STARS", "OFFICIAL"}};
  for (const std::string& name : response.names()) rows.push_back({name, "", "0", ""});
  std::cout << FormatTable(rows);
  return kExitOk;
}

// `berth login`: imaged checks the credentials against the registry; only
// then are they written to config.json (never sent to be stored server-side).
int Login(const GlobalOptions& global, const ImageStoreFlags& f) {
  const std::string key = RegistryKeyOfServer(f.server);
  std::string registry_auth;
  std::string password = f.password;
  if (f.password_stdin) {
    if (f.username.empty()) {
      std::cerr << "berth: --password-stdin needs --username" << std::endl;
      return kExitError;
    }
    std::getline(std::cin, password);
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
      password.pop_back();
    }
  }
  if (!f.username.empty()) {
    if (password.empty()) {
      std::cerr << "berth: a password is needed (-p or --password-stdin); berth does not prompt"
                << std::endl;
      return kExitError;
    }
    registry_auth = EncodeRegistryAuth(f.username, password, key);
  } else {
    absl::StatusOr<std::string> stored = RegistryAuthFor(key);
    if (!stored.ok() || stored->empty()) {
      std::cerr << "berth: no stored credentials for " << key << "; give --username" << std::endl;
      return kExitError;
    }
    registry_auth = *stored;
  }
  ApiClient client(global.host);
  auto context = client.UnaryContext(std::chrono::seconds(60));
  berth::v1::LoginRequest request;
  request.set_server(key);
  request.set_registry_auth(registry_auth);
  berth::v1::LoginResponse response;
  grpc::Status status = client.stub().Login(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status, "berth: ");
    return kExitError;
  }
  if (!f.username.empty()) {
    if (absl::Status s = StoreCredentials(key, f.username, password); !s.ok()) {
      std::cerr << "berth: storing the credentials: " << s.message() << std::endl;
      return kExitError;
    }
  }
  std::cout << response.status() << "\n";
  return kExitOk;
}

int Logout(const GlobalOptions&, const ImageStoreFlags& f) {
  const std::string key = RegistryKeyOfServer(f.server);
  absl::Status s = EraseCredentials(key);
  if (absl::IsNotFound(s)) {
    std::cout << "Not logged in to " << key << "\n";
    return kExitOk;
  }
  if (!s.ok()) {
    std::cerr << "berth: " << s.message() << std::endl;
    return kExitError;
  }
  std::cout << "Removing login credentials for " << key << "\n";
  return kExitOk;
}

}  // namespace

void AddImageStoreCommands(CLI::App& app, const GlobalOptions& global,
                           std::function<int()>& action) {
  // The flags outlive parsing: the action runs after CLI11 returns.
  auto f = std::make_shared<ImageStoreFlags>();
  auto bind = [&action, &global, f](int (*fn)(const GlobalOptions&, const ImageStoreFlags&)) {
    return [&action, &global, f, fn] { action = [&global, f, fn] { return fn(global, *f); }; };
  };

  auto* save = app.add_subcommand("save", "Save one or more images to a tar archive");
  save->add_option("image", f->names, "IMAGE...")->required();
  save->add_option("-o,--output", f->output, "Write to a file, instead of STDOUT");
  save->callback(bind(Save));

  auto* load = app.add_subcommand("load", "Load an image from a tar archive or STDIN");
  load->add_option("-i,--input", f->input, "Read from tar archive file, instead of STDIN");
  load->add_flag("-q,--quiet", f->quiet, "Suppress the load output");
  load->callback(bind(Load));

  auto* history = app.add_subcommand("history", "Show the history of an image");
  history->add_option("image", f->names, "IMAGE")->required()->expected(1);
  history->add_flag("-q,--quiet", f->quiet, "Only show image IDs");
  history->add_flag("--no-trunc", f->no_trunc, "Don't truncate output");
  history->callback(bind(History));

  auto* search = app.add_subcommand("search", "Search a registry's catalog: HOST[:PORT]/TERM");
  search->add_option("term", f->names, "HOST[:PORT]/TERM")->required()->expected(1);
  search->add_option("--limit", f->limit, "Max number of search results");
  search->callback(bind(Search));

  auto* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  auto* prune = image->add_subcommand("prune", "Remove unused images");
  prune->add_flag("-a,--all", f->all, "Remove all unused images, not just dangling ones");
  prune->add_flag("-f,--force", f->force, "Do not prompt for confirmation (berth never prompts)");
  prune->add_option("--filter", f->filters, "Provide filter values (e.g. 'until=24h')")
      ->allow_extra_args(false);
  prune->callback(bind(Prune));

  auto* login = app.add_subcommand("login", "Log in to a registry (kept in Docker's config.json)");
  login->add_option("server", f->server, "SERVER (default: Docker Hub)");
  login->add_option("-u,--username", f->username, "Username");
  login->add_option("-p,--password", f->password, "Password");
  login->add_flag("--password-stdin", f->password_stdin, "Take the password from stdin");
  login->callback(bind(Login));

  auto* logout = app.add_subcommand("logout", "Log out from a registry");
  logout->add_option("server", f->server, "SERVER (default: Docker Hub)");
  logout->callback(bind(Logout));
}

}  // namespace berth::cli
