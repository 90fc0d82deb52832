#pragma once

// Debian's docker-registry on a free 127.0.0.1 port, for e2e tests: config
// and filesystem storage under a directory the test owns (the stack's root),
// stopped (SIGTERM, then SIGKILL) when the object goes.

#include <memory>
#include <string>

namespace berth::e2e {

class LocalRegistry {
 public:
  // True when the docker-registry binary is installed.
  static bool Available();

  // Starts it under `dir`. With `htpasswd_file` (bcrypt entries), every
  // request needs basic auth. Null with the reason in *error on failure.
  static std::unique_ptr<LocalRegistry> Start(const std::string& dir,
                                              const std::string& htpasswd_file,
                                              std::string* error);
  ~LocalRegistry();
  LocalRegistry(const LocalRegistry&) = delete;
  LocalRegistry& operator=(const LocalRegistry&) = delete;

  // "127.0.0.1:<port>".
  const std::string& address() const { return address_; }
  // The storage root (blobs under docker/registry/v2/blobs).
  std::string data_dir() const { return dir_ + "/data"; }
  std::string Log() const;

 private:
  LocalRegistry() = default;

  std::string dir_;
  std::string address_;
  int pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
int FreeLoopbackPort();

}  // namespace berth::e2e
