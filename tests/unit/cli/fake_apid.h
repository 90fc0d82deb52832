// An in-process fake of apid's berth.v1.Berth service for driving the real
// `berth` binary in tests, without the four services, root or a kernel.
//
// Containers do not run anything: the command decides what the "process"
// does once started (see FakeApid::Behave in fake_apid.cc):
//   echo ARGS...       prints ARGS joined by spaces and a newline; exits 0
//   sh -c 'exit N'     prints "bye" on stderr; exits N
//   cat                echoes attached stdin to stdout until close_stdin or a
//                      Ctrl-D byte (0x04, what a raw terminal sends); exits 0
//   nosuch             StartContainer fails: executable file not found
//   sleep              runs until KillContainer; exits 128+signal
// Every RPC appends a line to calls() ("create", "attach stdin=1", "wait
// REMOVED", "start", ...) so tests can check the order the CLI used.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/server.h>

#include "berth/v1/api.grpc.pb.h"

namespace berth::cli::testing {

class FakeApid final : public berth::v1::Berth::Service {
 public:
  // Serves on `address` ("unix:///tmp/.../api.sock") with the standard health
  // service. Aborts the test binary when the server cannot start.
  static std::unique_ptr<FakeApid> Start(const std::string& address);
  ~FakeApid() override;

  void Shutdown();

  std::vector<std::string> calls();
  // The config of the last created container.
  berth::v1::ContainerConfig last_config();
  // Bytes and options received by the last ImportImage.
  std::string imported_bytes();
  int imported_chunks();
  std::string imported_repo();

  grpc::Status Version(grpc::ServerContext*, const berth::v1::VersionRequest*,
                       berth::v1::VersionResponse*) override;
  grpc::Status Info(grpc::ServerContext*, const berth::v1::InfoRequest*,
                    berth::v1::InfoResponse*) override;
  grpc::Status ImportImage(grpc::ServerContext*,
                           grpc::ServerReader<berth::v1::ImportImageRequest>*,
                           berth::v1::ImportImageResponse*) override;
  grpc::Status ListImages(grpc::ServerContext*, const berth::v1::ListImagesApiRequest*,
                          berth::v1::ListImagesResponse*) override;
  grpc::Status RemoveImage(grpc::ServerContext*, const berth::v1::RemoveImageRequest*,
                           berth::v1::RemoveImageResponse*) override;
  grpc::Status CreateContainer(grpc::ServerContext*, const berth::v1::CreateContainerApiRequest*,
                               berth::v1::CreateContainerApiResponse*) override;
  grpc::Status StartContainer(grpc::ServerContext*, const berth::v1::StartContainerApiRequest*,
                              berth::v1::StartContainerApiResponse*) override;
  grpc::Status WaitContainer(grpc::ServerContext*, const berth::v1::WaitContainerApiRequest*,
                             grpc::ServerWriter<berth::v1::WaitEvent>*) override;
  grpc::Status StopContainer(grpc::ServerContext*, const berth::v1::StopContainerApiRequest*,
                             berth::v1::StopContainerApiResponse*) override;
  grpc::Status KillContainer(grpc::ServerContext*, const berth::v1::KillContainerApiRequest*,
                             berth::v1::KillContainerApiResponse*) override;
  grpc::Status RemoveContainer(grpc::ServerContext*, const berth::v1::RemoveContainerApiRequest*,
                               berth::v1::RemoveContainerApiResponse*) override;
  grpc::Status ListContainers(grpc::ServerContext*, const berth::v1::ListContainersApiRequest*,
                              berth::v1::ListContainersApiResponse*) override;
  grpc::Status InspectContainer(grpc::ServerContext*,
                                const berth::v1::InspectContainerApiRequest*,
                                berth::v1::Container*) override;
  grpc::Status ContainerLogs(grpc::ServerContext*, const berth::v1::ContainerLogsApiRequest*,
                             grpc::ServerWriter<berth::v1::LogBatch>*) override;
  grpc::Status AttachContainer(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<berth::v1::AttachOutput, berth::v1::AttachInput>*) override;
  grpc::Status ResizeContainer(grpc::ServerContext*, const berth::v1::ResizeContainerApiRequest*,
                               berth::v1::ResizeContainerApiResponse*) override;

 private:
  struct FakeContainer {
    std::string id;
    std::string name;
    berth::v1::ContainerConfig config;
    bool started = false;
    bool exited = false;
    bool removed = false;
    int exit_code = 0;
    int killed_by = 0;  // signal number from KillContainer
  };

  FakeApid() = default;
  void Record(const std::string& call);
  // Finds by id, name or id prefix; nullptr when absent or removed.
  FakeContainer* Find(const std::string& ref);
  void Exit(FakeContainer& c, int code);

  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> calls_;
  std::map<std::string, FakeContainer> containers_;  // by id
  int next_id_ = 1;
  berth::v1::ContainerConfig last_config_;
  std::string imported_bytes_;
  int imported_chunks_ = 0;
  std::string imported_repo_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace berth::cli::testing
