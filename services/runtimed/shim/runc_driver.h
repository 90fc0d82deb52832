// --runtime runc in berth-shim: the steps Berth's own executor does in its
// init, done instead by Debian's runc on the OCI bundle runtimed wrote
// (spec/oci_spec.h). The shim keeps everything else (socket, stdio, log,
// attach, exit record): runc only creates, starts, execs into and deletes
// the container, and its processes are re-parented to the shim (a child
// subreaper), which reaps them as it reaps its own init.
//
//   create: mount the image's rootfs on the host at the bundle's root, fill
//           empty volumes from it (copy-up), resolve the user in its
//           /etc/passwd and /etc/group, then `runc create` (the process is
//           held until `runc start`, like the init before START);
//   exec:   the user resolved in the running container's files, then at
//           START `runc exec -d --process` with the exec's stdio;
//   end:    `runc delete --force`, then the rootfs unmounted.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/fs/fs.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::shim {

// The process's stdio: three fds (passed through to it by runc), or, with a
// tty, the path of a listening socket runc sends the pty master to.
struct RuncStdio {
  int in = -1, out = -1, err = -1;
  std::string console_socket;
};

// Mounts c.mounts' rootfs at c.rootfs_dir (host side), copies image content
// into empty volumes, and writes the resolved user into the bundle's
// config.json.
absl::Status PrepareRuncBundle(const spec::ShimConfig& c);

// `runc create`; returns the container init's host pid (from --pid-file).
// Errors keep the executor's words: InvalidArgument `exec: "x": executable
// file not found in $PATH` when runc says so, FailedPrecondition otherwise.
absl::StatusOr<pid_t> RuncCreate(const spec::ShimConfig& c, const RuncStdio& stdio);
absl::Status RuncStart(const spec::ShimConfig& c);

// An exec: writes <dir>/process.json (the user resolved in the files of the
// container whose init is `init_pid`); then RuncExec starts it detached and
// returns its host pid.
absl::Status PrepareRuncExec(const spec::ShimConfig& c, const std::string& dir);
absl::StatusOr<pid_t> RuncExec(const spec::ShimConfig& c, const std::string& dir,
                               const RuncStdio& stdio);

// `runc delete --force` and the rootfs unmounted; errors are logged unless
// `quiet` (before a create: what a killed shim may have left).
void RuncCleanUp(const spec::ShimConfig& c, bool quiet = false);

// Listens on `path` for runc's console socket connection.
absl::StatusOr<fs::ScopedFd> ListenConsoleSocket(const std::string& path);
// Takes the pty master runc sent on the (already connected) socket.
absl::StatusOr<fs::ScopedFd> ReceivePtyMaster(int listen_fd);

}  // namespace berth::runtimed::shim
