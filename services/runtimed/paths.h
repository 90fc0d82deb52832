// Every on-disk path of runtimed, computed from the state dir and the run dir.
#pragma once

#include <string>

namespace berth::runtimed {

class Paths {
 public:
  Paths(std::string state_dir, std::string run_dir);

  const std::string& state_dir() const { return state_dir_; }
  // "<state>/VERSION": the schema version stamp.
  std::string VersionFile() const;
  std::string EventsFile() const;  // events.jsonl: the persisted event ring
  // "<state>/containers" and "<state>/containers/<id>".
  std::string ContainersDir() const;
  std::string ContainerDir(const std::string& id) const;
  std::string RecordFile(const std::string& id) const;      // record.json
  std::string ShimConfigFile(const std::string& id) const;  // config.json
  std::string SeccompFile(const std::string& id) const;     // seccomp.bpf
  std::string LogFile(const std::string& id) const;         // <id>-json.log
  std::string ExitFile(const std::string& id) const;        // exit.json
  std::string ShimLogFile(const std::string& id) const;     // shim.log
  std::string RootfsDir(const std::string& id) const;       // rootfs (mount point)
  std::string HostnameFile(const std::string& id) const;
  std::string HostsFile(const std::string& id) const;
  std::string ResolvConfFile(const std::string& id) const;
  // --runtime runc: "<state>/containers/<id>/oci" (the OCI bundle's
  // config.json; its root is RootfsDir) and runc's own state, "<run>/runc".
  std::string BundleDir(const std::string& id) const;
  std::string RuncRoot() const;

  // "<state>/volumes": local volumes (volumes/volume_store.h).
  std::string VolumesDir() const;

  // "<run>/runtimed/<id>": the shim's runtime dir.
  std::string ShimDir(const std::string& id) const;
  // "<run>/runtimed/<id>/shim.sock", or "<run>/runtimed/s/<hash>.sock" when
  // that would not fit in sun_path (107 bytes + NUL).
  std::string ShimSocket(const std::string& id) const;

 private:
  std::string state_dir_;
  std::string run_dir_;
};

}  // namespace berth::runtimed
