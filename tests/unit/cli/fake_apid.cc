#include "tests/unit/cli/fake_apid.h"

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace berth::cli::testing {
namespace {

void SetNow(google::protobuf::Timestamp* ts, absl::Duration ago = absl::ZeroDuration()) {
  const absl::Time t = absl::Now() - ago;
  ts->set_seconds(absl::ToUnixSeconds(t));
}

int SignalNumber(const std::string& name) {
  if (name == "SIGINT" || name == "INT") return 2;
  if (name == "SIGTERM" || name == "TERM") return 15;
  if (name == "SIGKILL" || name == "KILL") return 9;
  return 1;
}

berth::v1::LogEntry Entry(berth::v1::StdStream stream, const std::string& data) {
  berth::v1::LogEntry e;
  e.set_stream(stream);
  e.set_data(data);
  e.mutable_time()->set_seconds(1'704'164'645);
  return e;
}

}  // namespace

std::unique_ptr<FakeApid> FakeApid::Start(const std::string& address) {
  std::unique_ptr<FakeApid> fake(new FakeApid());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  builder.RegisterService(fake.get());
  fake->server_ = builder.BuildAndStart();
  if (fake->server_ == nullptr) {
    std::fprintf(stderr, "fake apid: cannot listen on %s\n", address.c_str());
    std::abort();
  }
  return fake;
}

FakeApid::~FakeApid() { Shutdown(); }

void FakeApid::Shutdown() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    server_.reset();
  }
}

std::vector<std::string> FakeApid::calls() {
  std::lock_guard lock(mu_);
  return calls_;
}

berth::v1::ContainerConfig FakeApid::last_config() {
  std::lock_guard lock(mu_);
  return last_config_;
}

std::string FakeApid::imported_bytes() {
  std::lock_guard lock(mu_);
  return imported_bytes_;
}

int FakeApid::imported_chunks() {
  std::lock_guard lock(mu_);
  return imported_chunks_;
}

std::string FakeApid::imported_repo() {
  std::lock_guard lock(mu_);
  return imported_repo_;
}

void FakeApid::Record(const std::string& call) {
  std::lock_guard lock(mu_);
  calls_.push_back(call);
}

FakeApid::FakeContainer* FakeApid::Find(const std::string& ref) {
  for (auto& [id, c] : containers_) {
    if (!c.removed && (id == ref || c.name == ref || (!ref.empty() && id.rfind(ref, 0) == 0))) {
      return &c;
    }
  }
  return nullptr;
}

void FakeApid::Exit(FakeContainer& c, int code) {
  c.exited = true;
  c.exit_code = code;
  if (c.config.auto_remove()) {
    c.removed = true;
  }
  changed_.notify_all();
}

grpc::Status FakeApid::Version(grpc::ServerContext*, const berth::v1::VersionRequest*,
                               berth::v1::VersionResponse* response) {
  Record("version");
  response->set_version("9.8.7");
  response->set_api_version("1.41");
  response->set_git_commit("fakecommit");
  response->set_os("linux");
  response->set_arch("amd64");
  response->set_kernel_version("6.1.0-fake");
  return grpc::Status::OK;
}

grpc::Status FakeApid::Info(grpc::ServerContext*, const berth::v1::InfoRequest*,
                            berth::v1::InfoResponse* response) {
  Record("info");
  response->set_containers(3);
  response->set_containers_running(1);
  response->set_containers_stopped(2);
  response->set_images(4);
  response->set_server_version("9.8.7");
  response->set_cgroup_version("1");
  response->set_mem_total(25'165'824'000);
  response->set_root_dir("/var/lib/berth");
  auto* imaged = response->add_services();
  imaged->set_name("imaged");
  imaged->set_serving(true);
  auto* netd = response->add_services();
  netd->set_name("netd");
  netd->set_error("connection refused");
  return grpc::Status::OK;
}

grpc::Status FakeApid::ImportImage(grpc::ServerContext*,
                                   grpc::ServerReader<berth::v1::ImportImageRequest>* reader,
                                   berth::v1::ImportImageResponse* response) {
  Record("import");
  berth::v1::ImportImageRequest request;
  std::string bytes;
  int chunks = 0;
  std::string repo;
  while (reader->Read(&request)) {
    if (request.has_options()) {
      repo = request.options().repo();
    } else {
      bytes += request.chunk();
      ++chunks;
    }
  }
  std::lock_guard lock(mu_);
  imported_bytes_ = bytes;
  imported_chunks_ = chunks;
  imported_repo_ = repo;
  response->mutable_image()->set_id("sha256:" + std::string(64, 'a'));
  return grpc::Status::OK;
}

grpc::Status FakeApid::ListImages(grpc::ServerContext*,
                                  const berth::v1::ListImagesApiRequest* request,
                                  berth::v1::ListImagesResponse* response) {
  std::string call = "images";
  for (const auto& filter : request->filters()) {
    absl::StrAppend(&call, " ", filter.key(), "=", absl::StrJoin(filter.values(), ","));
  }
  Record(call);
  auto* tagged = response->add_images();
  tagged->set_id("sha256:" + std::string(64, 'b'));
  tagged->add_repo_tags("busybox:latest");
  tagged->set_size(4'261'376);
  SetNow(tagged->mutable_created(), absl::Hours(3));
  auto* untagged = response->add_images();
  untagged->set_id("sha256:" + std::string(64, 'c'));
  untagged->set_size(1'000);
  SetNow(untagged->mutable_created(), absl::Seconds(30));
  return grpc::Status::OK;
}

grpc::Status FakeApid::RemoveImage(grpc::ServerContext*,
                                   const berth::v1::RemoveImageRequest* request,
                                   berth::v1::RemoveImageResponse* response) {
  Record("rmi " + request->reference());
  if (request->reference() != "busybox") {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such image: " + request->reference());
  }
  response->add_untagged("busybox:latest");
  response->add_deleted("sha256:" + std::string(64, 'b'));
  return grpc::Status::OK;
}

grpc::Status FakeApid::CreateContainer(grpc::ServerContext*,
                                       const berth::v1::CreateContainerApiRequest* request,
                                       berth::v1::CreateContainerApiResponse* response) {
  Record("create");
  std::lock_guard lock(mu_);
  last_config_ = request->config();
  if (request->config().image() == "missing") {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such image: missing");
  }
  FakeContainer c;
  char hex[65];
  std::snprintf(hex, sizeof(hex), "%064x", next_id_++);
  c.id = hex;
  c.name = request->name().empty() ? "fake_" + std::to_string(next_id_) : request->name();
  c.config = request->config();
  response->set_id(c.id);
  containers_[c.id] = std::move(c);
  return grpc::Status::OK;
}

grpc::Status FakeApid::StartContainer(grpc::ServerContext*,
                                      const berth::v1::StartContainerApiRequest* request,
                                      berth::v1::StartContainerApiResponse*) {
  Record("start");
  std::lock_guard lock(mu_);
  FakeContainer* c = Find(request->container());
  if (c == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such container: " + request->container());
  }
  if (!c->config.cmd().empty() && c->config.cmd(0) == "nosuch") {
    return grpc::Status(grpc::StatusCode::UNKNOWN,
                        "exec: \"nosuch\": executable file not found in $PATH");
  }
  c->started = true;
  changed_.notify_all();
  return grpc::Status::OK;
}

grpc::Status FakeApid::WaitContainer(grpc::ServerContext* context,
                                     const berth::v1::WaitContainerApiRequest* request,
                                     grpc::ServerWriter<berth::v1::WaitEvent>* writer) {
  Record("wait " + berth::v1::WaitCondition_Name(request->condition()));
  std::unique_lock lock(mu_);
  FakeContainer* c = Find(request->container());
  if (c == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such container: " + request->container());
  }
  const std::string id = c->id;
  berth::v1::WaitEvent registered;
  registered.set_registered(true);
  writer->Write(registered);
  auto done = [&] {
    const FakeContainer& fc = containers_[id];
    switch (request->condition()) {
      case berth::v1::WAIT_CONDITION_REMOVED:
        return fc.removed;
      case berth::v1::WAIT_CONDITION_NEXT_EXIT:
        return fc.exited;
      default:
        return !fc.started || fc.exited;
    }
  };
  while (!done()) {
    if (context->IsCancelled()) {
      return grpc::Status::CANCELLED;
    }
    changed_.wait_for(lock, std::chrono::milliseconds(20));
  }
  berth::v1::WaitEvent exit;
  exit.mutable_exit()->set_exit_code(containers_[id].exit_code);
  writer->Write(exit);
  return grpc::Status::OK;
}

grpc::Status FakeApid::StopContainer(grpc::ServerContext*,
                                     const berth::v1::StopContainerApiRequest* request,
                                     berth::v1::StopContainerApiResponse*) {
  Record(absl::StrCat("stop ", request->container(), " t=", request->timeout_seconds()));
  std::lock_guard lock(mu_);
  FakeContainer* c = Find(request->container());
  if (c == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such container: " + request->container());
  }
  Exit(*c, 137);
  return grpc::Status::OK;
}

grpc::Status FakeApid::KillContainer(grpc::ServerContext*,
                                     const berth::v1::KillContainerApiRequest* request,
                                     berth::v1::KillContainerApiResponse*) {
  Record("kill " + request->signal());
  std::lock_guard lock(mu_);
  FakeContainer* c = Find(request->container());
  if (c == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such container: " + request->container());
  }
  c->killed_by = SignalNumber(request->signal());
  changed_.notify_all();
  return grpc::Status::OK;
}

grpc::Status FakeApid::RemoveContainer(grpc::ServerContext*,
                                       const berth::v1::RemoveContainerApiRequest* request,
                                       berth::v1::RemoveContainerApiResponse*) {
  Record(absl::StrCat("rm force=", request->force()));
  std::lock_guard lock(mu_);
  FakeContainer* c = Find(request->container());
  if (c == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such container: " + request->container());
  }
  c->removed = true;
  changed_.notify_all();
  return grpc::Status::OK;
}

grpc::Status FakeApid::ListContainers(grpc::ServerContext*,
                                      const berth::v1::ListContainersApiRequest* request,
                                      berth::v1::ListContainersApiResponse* response) {
  // "ps", or with what a filtered or limited list asked for:
  // "ps label=a,b status=exited limit=2".
  std::string call = "ps";
  for (const auto& filter : request->filters()) {
    absl::StrAppend(&call, " ", filter.key(), "=", absl::StrJoin(filter.values(), ","));
  }
  if (request->limit() != 0) absl::StrAppend(&call, " limit=", request->limit());
  Record(call);
  std::lock_guard lock(mu_);
  for (const auto& [id, c] : containers_) {
    const bool running = c.started && !c.exited;
    if (c.removed || (!request->all() && !running)) {
      continue;
    }
    auto* out = response->add_containers();
    out->set_id(id);
    out->set_name(c.name);
    *out->mutable_config() = c.config;
    SetNow(out->mutable_created(), absl::Seconds(10));
    for (const auto& w : c.config.cmd()) out->add_path_and_args(w);
    auto* state = out->mutable_state();
    state->set_status(running     ? berth::v1::CONTAINER_STATUS_RUNNING
                      : c.exited ? berth::v1::CONTAINER_STATUS_EXITED
                                 : berth::v1::CONTAINER_STATUS_CREATED);
    state->set_exit_code(c.exit_code);
    if (c.started) SetNow(state->mutable_started_at(), absl::Seconds(2));
    if (c.exited) SetNow(state->mutable_finished_at(), absl::Seconds(1));
    for (const auto& p : c.config.port_bindings()) {
      auto* bound = out->mutable_network()->add_ports();
      *bound = p;
      if (bound->host_port() == 0) bound->set_host_port(49153);
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeApid::InspectContainer(grpc::ServerContext*,
                                        const berth::v1::InspectContainerApiRequest* request,
                                        berth::v1::Container* response) {
  Record("inspect " + request->container());
  std::lock_guard lock(mu_);
  FakeContainer* c = Find(request->container());
  if (c == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such container: " + request->container());
  }
  response->set_id(c->id);
  response->set_name(c->name);
  *response->mutable_config() = c->config;
  return grpc::Status::OK;
}

grpc::Status FakeApid::ContainerLogs(grpc::ServerContext*,
                                     const berth::v1::ContainerLogsApiRequest* request,
                                     grpc::ServerWriter<berth::v1::LogBatch>* writer) {
  Record(absl::StrCat("logs tail=", request->tail(), " follow=", request->follow()));
  // Two batches: the CLI must read across batch boundaries.
  berth::v1::LogBatch first, second;
  *first.add_entries() = Entry(berth::v1::STD_STREAM_STDOUT, "out line\n");
  *second.add_entries() = Entry(berth::v1::STD_STREAM_STDERR, "err line\n");
  writer->Write(first);
  writer->Write(second);
  return grpc::Status::OK;
}

grpc::Status FakeApid::AttachContainer(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<berth::v1::AttachOutput, berth::v1::AttachInput>* stream) {
  berth::v1::AttachInput input;
  if (!stream->Read(&input) || !input.has_open()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "first message must be open");
  }
  Record(absl::StrCat("attach stdin=", input.open().stdin()));
  std::unique_lock lock(mu_);
  FakeContainer* found = Find(input.open().container());
  if (found == nullptr) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "No such container: " + input.open().container());
  }
  const std::string id = found->id;
  berth::v1::AttachOutput attached;
  attached.set_attached(true);
  stream->Write(attached);
  while (!containers_[id].started) {
    if (context->IsCancelled()) {
      return grpc::Status::CANCELLED;
    }
    changed_.wait_for(lock, std::chrono::milliseconds(20));
  }
  const std::vector<std::string> cmd(containers_[id].config.cmd().begin(),
                                     containers_[id].config.cmd().end());
  auto write = [&](berth::v1::StdStream s, const std::string& data) {
    berth::v1::AttachOutput out;
    *out.mutable_output() = Entry(s, data);
    stream->Write(out);
  };
  int code = 0;
  if (!cmd.empty() && cmd[0] == "echo") {
    write(berth::v1::STD_STREAM_STDOUT,
          absl::StrJoin(cmd.begin() + 1, cmd.end(), " ") + "\n");
  } else if (cmd.size() == 3 && cmd[0] == "sh" && cmd[2].rfind("exit ", 0) == 0) {
    write(berth::v1::STD_STREAM_STDERR, "bye\n");
    code = std::atoi(cmd[2].c_str() + 5);
  } else if (!cmd.empty() && cmd[0] == "cat") {
    lock.unlock();
    while (stream->Read(&input)) {
      if (input.has_stdin()) {
        write(berth::v1::STD_STREAM_STDOUT, input.stdin());
        // On a tty, Ctrl-D is a byte for the container, not an EOF.
        if (input.stdin().find('\x04') != std::string::npos) {
          Record("ctrl-d");
          break;
        }
      } else if (input.close_stdin()) {
        Record("close_stdin");
        break;
      }
    }
    lock.lock();
  } else if (!cmd.empty() && cmd[0] == "sleep") {
    while (containers_[id].killed_by == 0 && !context->IsCancelled()) {
      changed_.wait_for(lock, std::chrono::milliseconds(20));
    }
    code = 128 + containers_[id].killed_by;
  }
  Exit(containers_[id], code);
  return grpc::Status::OK;
}

grpc::Status FakeApid::ResizeContainer(grpc::ServerContext*,
                                       const berth::v1::ResizeContainerApiRequest* request,
                                       berth::v1::ResizeContainerApiResponse*) {
  Record(absl::StrCat("resize ", request->height(), "x", request->width()));
  return grpc::Status::OK;
}

}  // namespace berth::cli::testing
