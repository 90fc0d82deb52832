#pragma once

// Recording fakes of the backend clients for use-case tests. Each call is
// appended to a shared log ("imaged.PrepareSnapshot <id>") so tests can check
// order; results can be scripted per method. The fakes may be called from
// several threads (interleaving tests): one lock guards all of their state,
// and hooks run outside it so a test can hold a call in the middle.

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/apid/clients/clients.h"

namespace berth::apid::testing {

using CallLog = std::vector<std::string>;

// Guards the fakes' state and the shared log across threads.
inline std::recursive_mutex& FakeMu() {
  static std::recursive_mutex mu;
  return mu;
}
// Holds FakeMu() for the scope.
#define BERTH_FAKE_LOCK std::lock_guard<std::recursive_mutex> fake_lock_(::berth::apid::testing::FakeMu())

// A copy of the log taken under the lock (for tests reading it while calls
// are in flight).
inline CallLog Snapshot(const CallLog& log) {
  BERTH_FAKE_LOCK;
  return log;
}

// A stream that ends at once with `status`.
template <typename Base, typename Msg>
class FailedStream : public Base {
 public:
  explicit FailedStream(absl::Status s) : status_(std::move(s)) {}
  bool Read(Msg*) override { return false; }
  void Cancel() override {}
  absl::Status Finish() override { return status_; }

 private:
  absl::Status status_;
};

// A client-streaming call the fake refused: writes fail, Finish says why.
template <typename In, typename Resp>
class FailedWriteStream : public WriteStream<In, Resp> {
 public:
  explicit FailedWriteStream(absl::Status s) : status_(std::move(s)) {}
  bool Write(const In&) override { return false; }
  absl::StatusOr<Resp> Finish() override { return status_; }
  void Cancel() override {}

 private:
  absl::Status status_;
};

// The scripted `events` a service would send for `request`: those with
// since < time <= until (a bound of 0 is open), then the end of the stream.
// Fakes have no "live" phase: every event counts as already kept.
inline std::unique_ptr<ReadStream<v1::Event>> WindowedEvents(const std::vector<v1::Event>& events,
                                                             const v1::EventsRequest& request);

// A stream that yields `messages`, then ends with `status`.
template <typename Base, typename Msg>
class ScriptedStream : public Base {
 public:
  ScriptedStream(std::vector<Msg> messages, absl::Status s)
      : messages_(std::move(messages)), status_(std::move(s)) {}
  bool Read(Msg* out) override {
    if (next_ >= messages_.size()) return false;
    *out = messages_[next_++];
    return true;
  }
  void Cancel() override {}
  absl::Status Finish() override { return status_; }

 private:
  std::vector<Msg> messages_;
  size_t next_ = 0;
  absl::Status status_;
};

inline std::unique_ptr<ReadStream<v1::Event>> WindowedEvents(const std::vector<v1::Event>& events,
                                                             const v1::EventsRequest& request) {
  std::vector<v1::Event> window;
  for (const v1::Event& e : events) {
    int64_t t = e.time().seconds() * 1000000000LL + e.time().nanos();
    if (t <= request.since_unix_nano()) continue;
    if (request.until_unix_nano() > 0 && t > request.until_unix_nano()) continue;
    window.push_back(e);
  }
  return std::make_unique<ScriptedStream<ReadStream<v1::Event>, v1::Event>>(std::move(window),
                                                                           absl::OkStatus());
}

class FakeImaged : public ImagedClient {
 public:
  explicit FakeImaged(CallLog& log) : log_(log) {}

  std::map<std::string, v1::Image> images;  // by reference
  std::vector<std::string> snapshots;
  absl::Status prepare_error;
  v1::LayerUsageResponse layer_usage;
  absl::Status layer_usage_error;

  absl::StatusOr<v1::LayerUsageResponse> LayerUsage() override {
    if (!layer_usage_error.ok()) return layer_usage_error;
    return layer_usage;
  }

  absl::StatusOr<v1::Image> InspectImage(const std::string& ref) override {
    BERTH_FAKE_LOCK;
    log_.push_back("imaged.InspectImage " + ref);
    auto it = images.find(ref);
    if (it == images.end()) return absl::NotFoundError("No such image: " + ref);
    return it->second;
  }
  absl::StatusOr<std::vector<v1::Image>> ListImages(bool) override {
    std::vector<v1::Image> out;
    for (auto& [k, v] : images) out.push_back(v);
    return out;
  }
  absl::StatusOr<v1::RemoveImageResponse> RemoveImage(const std::string&, bool) override {
    return absl::UnimplementedError("fake");
  }
  absl::StatusOr<std::vector<v1::Mount>> PrepareSnapshot(const std::string& key,
                                                         const std::string& image_id) override {
    BERTH_FAKE_LOCK;
    log_.push_back("imaged.PrepareSnapshot " + key + " " + image_id);
    if (!prepare_error.ok()) return prepare_error;
    snapshots.push_back(key);
    v1::Mount m;
    m.set_type("overlay");
    return std::vector<v1::Mount>{m};
  }
  absl::Status RemoveSnapshot(const std::string& key) override {
    BERTH_FAKE_LOCK;
    log_.push_back("imaged.RemoveSnapshot " + key);
    std::erase(snapshots, key);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> ListSnapshots() override {
    BERTH_FAKE_LOCK;
    return snapshots;
  }
  std::unique_ptr<ImportStream> ImportImage(const grpc::ServerContextBase*) override {
    return nullptr;
  }
  std::unique_ptr<ProgressStream> PullImage(const v1::PullImageRequest&,
                                            const grpc::ServerContextBase*) override {
    return std::make_unique<FailedStream<ProgressStream, v1::ProgressMessage>>(
        absl::UnimplementedError("pull is not implemented yet"));
  }
  // Registry calls are not served by the fake: they answer UNIMPLEMENTED.
  absl::Status TagImage(const std::string& source, const std::string&) override {
    BERTH_FAKE_LOCK;
    log_.push_back("imaged.TagImage " + source);
    return absl::UnimplementedError("tag is not served by the fake");
  }
  std::unique_ptr<ProgressStream> PushImage(const v1::PushImageRequest&,
                                            const grpc::ServerContextBase*) override {
    return std::make_unique<FailedStream<ProgressStream, v1::ProgressMessage>>(
        absl::UnimplementedError("push is not served by the fake"));
  }
  absl::StatusOr<v1::LoginResponse> Login(const v1::LoginRequest&) override {
    return absl::UnimplementedError("login is not served by the fake");
  }
  // Scripted image events; each Events() call is logged with its window.
  std::vector<v1::Event> events;
  std::unique_ptr<EventStream> Events(const v1::EventsRequest& r) override {
    return WindowedEvents(events, r);
  }
  // The builder's calls are not served by this fake (the builder's own tests
  // use theirs): CreateImage has no stream, CommitSnapshot answers UNIMPLEMENTED.
  std::unique_ptr<CreateImageStream> CreateImage(const grpc::ServerContextBase*) override {
    return nullptr;
  }
  absl::StatusOr<v1::Image> CommitSnapshot(const v1::CommitSnapshotRequest&) override {
    return absl::UnimplementedError("commit is not served by the fake");
  }
  std::unique_ptr<ReadStream<v1::ExportImagePathsChunk>> ExportImagePaths(
      const v1::ExportImagePathsRequest&, const grpc::ServerContextBase*) override {
    return std::make_unique<FailedStream<ReadStream<v1::ExportImagePathsChunk>,
                                         v1::ExportImagePathsChunk>>(
        absl::UnimplementedError("export is not served by the fake"));
  }

  // Container files on snapshots: logged; stat answers `snapshot_stat`,
  // changes `snapshot_changes`; tar streams are not served by the fake.
  v1::ContainerPathStat snapshot_stat;
  v1::ContainerChangesResponse snapshot_changes;
  absl::StatusOr<v1::ContainerPathStat> StatSnapshotPath(
      const v1::ContainerPathRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("imaged.StatSnapshotPath " + r.container() + " " + r.path());
    return snapshot_stat;
  }
  std::unique_ptr<ArchiveStream> ArchiveSnapshotPath(const v1::ContainerPathRequest&,
                                                     const grpc::ServerContextBase*) override {
    return std::make_unique<FailedStream<ArchiveStream, v1::ContainerArchiveChunk>>(
        absl::UnimplementedError("archive is not served by the fake"));
  }
  std::unique_ptr<ExtractStream> ExtractToSnapshot(const grpc::ServerContextBase*) override {
    return std::make_unique<
        FailedWriteStream<v1::ExtractToContainerRequest, v1::ExtractToContainerResponse>>(
        absl::UnimplementedError("extract is not served by the fake"));
  }
  std::unique_ptr<ArchiveStream> ExportSnapshot(const v1::ContainerExportRequest&,
                                                const grpc::ServerContextBase*) override {
    return std::make_unique<FailedStream<ArchiveStream, v1::ContainerArchiveChunk>>(
        absl::UnimplementedError("export is not served by the fake"));
  }
  absl::StatusOr<v1::ContainerChangesResponse> SnapshotChanges(
      const v1::ContainerChangesRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("imaged.SnapshotChanges " + r.container());
    return snapshot_changes;
  }

 private:
  CallLog& log_;
};

class FakeNetd : public NetdClient {
 public:
  explicit FakeNetd(CallLog& log) : log_(log) {}

  std::vector<std::string> endpoints;
  absl::Status attach_error;
  absl::Status list_error;
  v1::AttachRequest last_attach;

  absl::StatusOr<v1::AttachResponse> Attach(const v1::AttachRequest& request) override {
    BERTH_FAKE_LOCK;
    log_.push_back("netd.Attach " + request.container_id());
    last_attach = request;
    if (!attach_error.ok()) return attach_error;
    v1::AttachResponse response;
    // Idempotent like netd: an attached container gets created=false.
    bool exists = std::find(endpoints.begin(), endpoints.end(), request.container_id()) !=
                  endpoints.end();
    if (!exists) endpoints.push_back(request.container_id());
    response.set_created(!exists);
    response.mutable_summary()->set_sandbox_key("/run/netns/" + request.container_id());
    response.set_resolv_conf("nameserver 10.0.0.1\n");
    return response;
  }
  absl::Status Detach(const std::string& id) override {
    BERTH_FAKE_LOCK;
    log_.push_back("netd.Detach " + id);
    std::erase(endpoints, id);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> ListEndpoints() override {
    BERTH_FAKE_LOCK;
    if (!list_error.ok()) return list_error;
    return endpoints;
  }
  absl::StatusOr<v1::NetworkSummary> GetEndpoint(const std::string& id) override {
    BERTH_FAKE_LOCK;
    if (std::find(endpoints.begin(), endpoints.end(), id) == endpoints.end()) {
      return absl::NotFoundError("no endpoint");
    }
    v1::NetworkSummary summary;
    summary.set_sandbox_key("/run/netns/" + id);
    return summary;
  }

  // Networks: an in-memory list; create/remove/connect/disconnect are logged.
  std::vector<v1::Network> networks;
  absl::StatusOr<std::vector<v1::Network>> ListNetworks() override {
    BERTH_FAKE_LOCK;
    return networks;
  }
  absl::StatusOr<v1::Network> InspectNetwork(const std::string& name) override {
    BERTH_FAKE_LOCK;
    for (const v1::Network& n : networks) {
      if (n.name() == name || n.id() == name) return n;
    }
    return absl::NotFoundError("network " + name + " not found");
  }
  absl::StatusOr<v1::Network> CreateNetwork(const v1::CreateNetworkRequest& request) override {
    BERTH_FAKE_LOCK;
    log_.push_back("netd.CreateNetwork " + request.name());
    v1::Network network;
    network.set_id(std::string(64, 'a' + static_cast<char>(networks.size())));
    network.set_name(request.name());
    network.set_driver("bridge");
    *network.mutable_labels() = request.labels();
    networks.push_back(network);
    return network;
  }
  absl::Status RemoveNetwork(const std::string& name) override {
    BERTH_FAKE_LOCK;
    log_.push_back("netd.RemoveNetwork " + name);
    auto before = networks.size();
    std::erase_if(networks, [&](const v1::Network& n) { return n.name() == name || n.id() == name; });
    return networks.size() == before ? absl::NotFoundError("network " + name + " not found")
                                     : absl::OkStatus();
  }
  absl::StatusOr<v1::NetworkSummary> ConnectNetwork(
      const v1::ConnectNetworkRequest& request) override {
    BERTH_FAKE_LOCK;
    log_.push_back("netd.ConnectNetwork " + request.container_id() + " " +
                   request.settings().network());
    return v1::NetworkSummary();
  }
  absl::StatusOr<v1::NetworkSummary> DisconnectNetwork(const std::string& id,
                                                       const std::string& network) override {
    BERTH_FAKE_LOCK;
    log_.push_back("netd.DisconnectNetwork " + id + " " + network);
    return v1::NetworkSummary();
  }
  // Scripted network events, as FakeImaged's.
  std::vector<v1::Event> events;
  std::unique_ptr<EventStream> Events(const v1::EventsRequest& r) override {
    return WindowedEvents(events, r);
  }

  absl::Status rename_endpoint_error;
  absl::Status RenameEndpoint(const std::string& id, const std::string& name) override {
    BERTH_FAKE_LOCK;
    log_.push_back("netd.RenameEndpoint " + id + " " + name);
    if (!rename_endpoint_error.ok()) return rename_endpoint_error;
    if (std::find(endpoints.begin(), endpoints.end(), id) == endpoints.end()) {
      return absl::NotFoundError("no endpoint");
    }
    return absl::OkStatus();
  }

 private:
  CallLog& log_;
};

class FakeRuntimed : public RuntimedClient {
 public:
  explicit FakeRuntimed(CallLog& log) : log_(log) {}

  std::map<std::string, v1::Container> containers;  // by id
  std::vector<v1::Volume> volumes;                  // ListVolumes' answer (sizes kept with_size)
  absl::Status create_error;
  absl::Status start_error;
  v1::CreateContainerRequest last_create;
  v1::StartContainerRequest last_start;
  // Run at the start of the call, outside the lock: a test blocks in them to
  // hold a workflow half-way.
  std::function<void(const std::string&)> on_start;
  std::function<void(const std::string&)> on_stop;
  std::function<void(const std::string&)> on_remove;

  absl::StatusOr<v1::Container> CreateContainer(const v1::CreateContainerRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.CreateContainer " + r.id());
    last_create = r;
    if (!create_error.ok()) return create_error;
    v1::Container c;
    c.set_id(r.id());
    c.set_name(r.name().empty() ? "generated" : r.name());
    *c.mutable_config() = r.config();
    c.mutable_state()->set_status(v1::CONTAINER_STATUS_CREATED);
    containers[r.id()] = c;
    return c;
  }
  absl::StatusOr<v1::StartContainerResponse> StartContainer(
      const v1::StartContainerRequest& r) override {
    if (on_start) on_start(r.container());
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.StartContainer " + r.container());
    last_start = r;
    if (!start_error.ok()) return start_error;
    auto it = containers.find(r.container());
    if (it == containers.end()) return absl::NotFoundError("No such container: " + r.container());
    v1::StartContainerResponse response;
    if (it->second.state().status() == v1::CONTAINER_STATUS_RUNNING) {
      response.set_already_running(true);
    }
    it->second.mutable_state()->set_status(v1::CONTAINER_STATUS_RUNNING);
    return response;
  }
  v1::StopContainerRequest last_stop;
  v1::KillContainerRequest last_kill;
  v1::ResizeContainerRequest last_resize;
  v1::ContainerLogsRequest last_logs;
  absl::StatusOr<v1::StopContainerResponse> StopContainer(
      const v1::StopContainerRequest& r) override {
    if (on_stop) on_stop(r.container());
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.StopContainer " + r.container());
    last_stop = r;
    absl::StatusOr<v1::Container> c = Find(r.container());
    if (!c.ok()) return c.status();
    v1::StopContainerResponse response;
    v1::ContainerState* state = containers[c->id()].mutable_state();
    if (state->status() != v1::CONTAINER_STATUS_RUNNING) {
      response.set_already_stopped(true);
    } else {
      state->set_status(v1::CONTAINER_STATUS_EXITED);
    }
    return response;
  }
  absl::Status KillContainer(const v1::KillContainerRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.KillContainer " + r.container());
    last_kill = r;
    return absl::OkStatus();
  }
  absl::StatusOr<v1::Container> RemoveContainer(const std::string& ref, bool, bool) override {
    if (on_remove) on_remove(ref);
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.RemoveContainer " + ref);
    absl::StatusOr<v1::Container> c = Find(ref);
    if (c.ok()) containers.erase(c->id());
    return c;
  }
  // As runtimed: without `all` only running (and paused) containers.
  absl::StatusOr<std::vector<v1::Container>> ListContainers(bool all) override {
    BERTH_FAKE_LOCK;
    std::vector<v1::Container> out;
    for (auto& [k, v] : containers) {
      v1::ContainerStatus s = v.state().status();
      if (all || s == v1::CONTAINER_STATUS_RUNNING || s == v1::CONTAINER_STATUS_PAUSED) {
        out.push_back(v);
      }
    }
    return out;
  }
  absl::StatusOr<v1::Container> InspectContainer(const std::string& ref) override {
    BERTH_FAKE_LOCK;
    return Find(ref);
  }
  absl::Status ResizeContainer(const v1::ResizeContainerRequest& r) override {
    log_.push_back("runtimed.ResizeContainer " + r.container());
    last_resize = r;
    return absl::OkStatus();
  }
  // Stats and update are not served by the fake.
  absl::StatusOr<v1::ContainerStats> ContainerStats(const std::string& c) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.ContainerStats " + c);
    return absl::UnimplementedError("stats is not served by the fake");
  }
  absl::StatusOr<v1::UpdateContainerResponse> UpdateContainer(
      const v1::UpdateContainerRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.UpdateContainer " + r.container());
    return absl::UnimplementedError("update is not served by the fake");
  }
  absl::StatusOr<v1::Container> SetContainerNetworks(
      const v1::SetContainerNetworksRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.SetContainerNetworks " + r.container());
    auto it = containers.find(r.container());
    if (it == containers.end()) return absl::NotFoundError("No such container: " + r.container());
    *it->second.mutable_config()->mutable_networks() = r.networks();
    return it->second;
  }
  // Volumes are runtimed's own logic (tested there): the fake has none and
  // makes none.
  absl::StatusOr<v1::Volume> CreateVolume(const v1::CreateVolumeRequest&) override {
    return absl::UnimplementedError("volume create is not served by the fake");
  }
  absl::StatusOr<v1::Volume> InspectVolume(const std::string& name) override {
    return absl::NotFoundError("get " + name + ": no such volume");
  }
  absl::StatusOr<std::vector<v1::Volume>> ListVolumes(const v1::VolumeFilters&,
                                                      bool with_size) override {
    std::vector<v1::Volume> out = volumes;
    for (v1::Volume& v : out) {
      if (!with_size) v.clear_size();
    }
    return out;
  }
  absl::Status RemoveVolume(const std::string& name, bool) override {
    return absl::NotFoundError("get " + name + ": no such volume");
  }
  absl::StatusOr<v1::PruneVolumesResponse> PruneVolumes(const v1::VolumeFilters&) override {
    return absl::UnimplementedError("volumes are not served by the fake");
  }

  // docker cp on running containers: logged; stat answers `path_stat`
  // (FAILED_PRECONDITION for a container that is not running, as runtimed).
  v1::ContainerPathStat path_stat;
  absl::StatusOr<v1::ContainerPathStat> StatContainerPath(
      const v1::ContainerPathRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.StatContainerPath " + r.container() + " " + r.path());
    auto it = containers.find(r.container());
    if (it == containers.end()) return absl::NotFoundError("No such container: " + r.container());
    if (it->second.state().status() != v1::CONTAINER_STATUS_RUNNING) {
      return absl::FailedPreconditionError("container " + r.container() + " is not running");
    }
    return path_stat;
  }
  std::unique_ptr<ReadStream<v1::ContainerArchiveChunk>> ArchiveContainerPath(
      const v1::ContainerPathRequest&, const grpc::ServerContextBase*) override {
    return std::make_unique<
        FailedStream<ReadStream<v1::ContainerArchiveChunk>, v1::ContainerArchiveChunk>>(
        absl::UnimplementedError("archive is not served by the fake"));
  }
  std::unique_ptr<WriteStream<v1::ExtractToContainerRequest, v1::ExtractToContainerResponse>>
  ExtractToContainer(const grpc::ServerContextBase*) override {
    return std::make_unique<
        FailedWriteStream<v1::ExtractToContainerRequest, v1::ExtractToContainerResponse>>(
        absl::UnimplementedError("extract is not served by the fake"));
  }
  std::vector<v1::WaitEvent> wait_events;  // what WaitContainer streams
  std::unique_ptr<WaitStream> WaitContainer(const v1::WaitContainerRequest& r,
                                            const grpc::ServerContextBase*) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.WaitContainer " + r.container());
    return std::make_unique<ScriptedStream<WaitStream, v1::WaitEvent>>(wait_events,
                                                                       absl::OkStatus());
  }
  std::unique_ptr<LogStream> ContainerLogs(const v1::ContainerLogsRequest& r,
                                           const grpc::ServerContextBase*) override {
    log_.push_back("runtimed.ContainerLogs " + r.container());
    last_logs = r;
    return std::make_unique<FailedStream<LogStream, v1::LogBatch>>(
        absl::UnimplementedError("fake"));
  }
  std::unique_ptr<AttachStream> AttachContainer(const grpc::ServerContextBase*) override {
    return nullptr;
  }
  // Exec: records in memory; a running container is required, as in runtimed.
  std::map<std::string, v1::ExecInspect> execs;  // by id
  v1::StartExecRequest last_exec_start;
  v1::ResizeExecRequest last_exec_resize;
  absl::StatusOr<v1::ExecInspect> CreateExec(const v1::CreateExecRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.CreateExec " + r.container());
    auto it = containers.find(r.container());
    if (it == containers.end()) return absl::NotFoundError("No such container: " + r.container());
    if (it->second.state().status() != v1::CONTAINER_STATUS_RUNNING) {
      return absl::FailedPreconditionError("container " + r.container() + " is not running");
    }
    v1::ExecInspect e;
    e.set_id("exec" + std::to_string(execs.size() + 1));
    e.set_container_id(r.container());
    *e.mutable_config() = r.config();
    execs[e.id()] = e;
    return e;
  }
  absl::StatusOr<v1::StartExecResponse> StartExec(const v1::StartExecRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.StartExec " + r.exec_id());
    last_exec_start = r;
    auto it = execs.find(r.exec_id());
    if (it == execs.end()) return absl::NotFoundError("No such exec instance: " + r.exec_id());
    it->second.set_started(true);
    it->second.set_running(true);
    v1::StartExecResponse response;
    *response.mutable_exec() = it->second;
    return response;
  }
  std::unique_ptr<AttachStream> AttachExec(const grpc::ServerContextBase*) override {
    return nullptr;  // attached exec streams are covered end to end
  }
  absl::Status ResizeExec(const v1::ResizeExecRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.ResizeExec " + r.exec_id());
    last_exec_resize = r;
    return absl::OkStatus();
  }
  absl::StatusOr<v1::ExecInspect> InspectExec(const std::string& id) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.InspectExec " + id);
    auto it = execs.find(id);
    if (it == execs.end()) return absl::NotFoundError("No such exec instance: " + id);
    return it->second;
  }
  // Pause/unpause flip the status; top answers `top_response`; rename
  // checks the name like runtimed (conflict) and renames.
  absl::Status PauseContainer(const std::string& ref) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.PauseContainer " + ref);
    absl::StatusOr<v1::Container> c = Find(ref);
    if (!c.ok()) return c.status();
    containers[c->id()].mutable_state()->set_status(v1::CONTAINER_STATUS_PAUSED);
    return absl::OkStatus();
  }
  absl::Status UnpauseContainer(const std::string& ref) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.UnpauseContainer " + ref);
    absl::StatusOr<v1::Container> c = Find(ref);
    if (!c.ok()) return c.status();
    containers[c->id()].mutable_state()->set_status(v1::CONTAINER_STATUS_RUNNING);
    return absl::OkStatus();
  }
  v1::TopContainerRequest last_top;
  v1::TopContainerResponse top_response;
  absl::StatusOr<v1::TopContainerResponse> TopContainer(
      const v1::TopContainerRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.TopContainer " + r.container());
    last_top = r;
    absl::StatusOr<v1::Container> c = Find(r.container());
    if (!c.ok()) return c.status();
    return top_response;
  }
  absl::StatusOr<v1::RenameContainerResponse> RenameContainer(
      const v1::RenameContainerRequest& r) override {
    BERTH_FAKE_LOCK;
    log_.push_back("runtimed.RenameContainer " + r.container() + " " + r.name());
    absl::StatusOr<v1::Container> c = Find(r.container());
    if (!c.ok()) return c.status();
    for (const auto& [id, other] : containers) {
      if (other.name() == r.name()) return absl::AlreadyExistsError("Conflict. " + r.name());
    }
    v1::RenameContainerResponse response;
    response.set_old_name(c->name());
    containers[c->id()].set_name(r.name());
    *response.mutable_container() = containers[c->id()];
    return response;
  }
  // Scripted container events (see WindowedEvents); UNAVAILABLE when down.
  std::vector<v1::Event> events;
  bool events_down = false;
  std::vector<v1::EventsRequest> events_requests;
  std::unique_ptr<EventStream> Events(const v1::EventsRequest& r) override {
    BERTH_FAKE_LOCK;
    events_requests.push_back(r);
    if (events_down) {
      return std::make_unique<FailedStream<EventStream, v1::Event>>(
          absl::UnavailableError("runtimed is down"));
    }
    return WindowedEvents(events, r);
  }

 private:
  absl::StatusOr<v1::Container> Find(const std::string& ref) {
    for (auto& [id, c] : containers) {
      if (id == ref || c.name() == ref || id.rfind(ref, 0) == 0) return c;
    }
    return absl::NotFoundError("No such container: " + ref);
  }
  CallLog& log_;
};

}  // namespace berth::apid::testing
