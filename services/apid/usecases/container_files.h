#pragma once

// A container's files: docker cp (the archive endpoints), export, diff and
// commit. Who does the work follows the design's rule for root filesystems:
// a running (or paused) container's paths are runtimed's, inside its mount
// namespace (so volumes and bind mounts are seen); a stopped container's are
// imaged's, on its snapshot, in the container's turn so that a start cannot
// mount the same upper dir meanwhile. Export, diff and commit always read
// the snapshot (imaged): they want the container's own layer, not its volumes.
// No HTTP or gRPC server types here; the faces translate.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "berth/v1/api.pb.h"
#include "services/apid/clients/clients.h"
#include "services/apid/usecases/container_locks.h"

namespace grpc {
class ServerContextBase;
}

namespace berth::apid {

class ContainerFileService {
 public:
  // `locks` are ContainerService's (the per-container turn).
  ContainerFileService(ImagedClient& imaged, RuntimedClient& runtimed, ContainerLocks& locks)
      : imaged_(imaged), runtimed_(runtimed), locks_(locks) {}

  // HEAD /containers/{id}/archive. NotFound "No such container: x", or
  // "Could not find the file <path> in container <x>".
  absl::StatusOr<v1::ContainerPathStat> StatPath(const std::string& container,
                                                 const std::string& path);

  // GET /containers/{id}/archive: `on_stat` once before the first byte, then
  // `on_data` per piece of the tar. An error before `on_stat` ran can still
  // become an HTTP status; later ones end the stream.
  using DataFn = std::function<absl::Status(const std::string& data)>;
  absl::Status ArchivePath(const std::string& container, const std::string& path,
                           const std::function<absl::Status(const v1::ContainerPathStat&)>& on_stat,
                           const DataFn& on_data, const grpc::ServerContextBase* parent);

  // PUT /containers/{id}/archive: `header` names the container (as the user
  // wrote it), the directory and the options; `next` yields the tar's pieces,
  // "" at its end.
  using NextFn = std::function<absl::StatusOr<std::string>()>;
  absl::Status Extract(const v1::ExtractToContainerRequest& header, const NextFn& next,
                       const grpc::ServerContextBase* parent);

  // GET /containers/{id}/export: the container's root filesystem (image
  // layers and its changes, without volumes) as a tar.
  absl::Status Export(const std::string& container, const DataFn& on_data,
                      const grpc::ServerContextBase* parent);

  // GET /containers/{id}/changes.
  absl::StatusOr<std::vector<v1::ContainerChange>> Changes(const std::string& container);

  // POST /commit: a new image from the container's layer, its config the
  // container's with `changes` applied (Dockerfile lines, as the builder
  // applies them). Returns the image id. InvalidArgument for a bad change
  // (Docker's texts) or an instruction commit does not take.
  absl::StatusOr<std::string> Commit(const v1::CommitContainerRequest& request);

 private:
  // Calls `running` for a running (or paused) container, else `stopped` in
  // the container's turn with its id. NotFound texts get the container name.
  absl::Status Route(const std::string& container,
                     const std::function<absl::Status(const std::string& id)>& running,
                     const std::function<absl::Status(const std::string& id)>& stopped);

  // Asks runtimed to log dockerd's cp event for the container.
  void RecordEvent(const std::string& id, const std::string& action);

  ImagedClient& imaged_;
  RuntimedClient& runtimed_;
  ContainerLocks& locks_;
};

// Changes without the files runtimed creates as mount points for its
// /etc/hostname, /etc/hosts and /etc/resolv.conf (and "/etc" modified only by
// them): Docker keeps those in an init layer, so `docker diff` never lists
// them. Pure; unit-tested.
std::vector<v1::ContainerChange> WithoutRuntimeMountPoints(std::vector<v1::ContainerChange> changes);

// The image config a commit starts from: the container's (image defaults
// merged at create) plus what only the image has (shell, healthcheck,
// ONBUILD triggers). Pure; unit-tested.
v1::ImageConfig CommitBaseConfig(const v1::ContainerConfig& container, const v1::ImageConfig& image);

// Parses and applies `changes` (one Dockerfile instruction each) to `config`,
// as `docker commit --change` / `import --change`: CMD, ENTRYPOINT, ENV,
// EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR (and HEALTHCHECK,
// SHELL); anything else is InvalidArgument "<instr> is not a valid change command".
absl::Status ApplyCommitChanges(const std::vector<std::string>& changes, v1::ImageConfig& config);

}  // namespace berth::apid
