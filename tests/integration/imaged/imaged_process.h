#pragma once

// The imaged binary as a child process on a private socket and state dir,
// with a gRPC stub to it: what the daemon tests drive.

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "berth/v1/imaged.grpc.pb.h"

namespace berth::imaged::testing {

class ImagedProcess {
 public:
  // `dir` holds the socket, the state dir (dir/state) and the run dir.
  explicit ImagedProcess(std::string dir) : dir_(std::move(dir)) {}
  ~ImagedProcess() { Stop(); }

  // Starts imaged with `extra_flags` appended and waits until it is healthy.
  // Returns false (with gtest failures recorded) when it did not come up.
  bool Start(const std::vector<std::string>& extra_flags = {});
  // SIGTERM and wait; records a failure unless it exited 0. No-op if stopped.
  void Stop();

  // Streams `data` as a `docker import` (64 KiB chunks) tagged `repo`.
  grpc::Status Import(const std::string& data, const std::string& repo, v1::Image* out);
  std::vector<v1::Image> ListImages();

  v1::ImageService::Stub& stub() { return *stub_; }
  std::string state_dir() const { return dir_ + "/state"; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ImageService::Stub> stub_;
};

}  // namespace berth::imaged::testing
