#include "tests/integration/imaged/imaged_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/grpc/channel.h"

namespace berth::imaged::testing {

bool ImagedProcess::Start(const std::vector<std::string>& extra_flags) {
  std::string address = "unix://" + dir_ + "/imaged.sock";
  std::vector<std::string> argv = {IMAGED_BINARY,
                                   "--listen=" + address,
                                   "--metrics_address=127.0.0.1:0",
                                   "--metrics_address_file=" + dir_ + "/metrics",
                                   "--state_dir=" + state_dir(),
                                   "--run_dir=" + dir_ + "/run",
                                   // Tests never contact a registry off this machine.
                                   "--allowed_registries=loopback"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  std::string socket_path = dir_ + "/imaged.sock";
  std::filesystem::remove(socket_path);
  pid_ = ::fork();
  if (pid_ == 0) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  EXPECT_GT(pid_, 0);
  if (pid_ <= 0) return false;
  // Connect only once the socket exists: an early failed attempt puts the
  // channel into reconnect backoff for seconds. The private subchannel pool
  // keeps a channel made after a restart from reusing the old connection.
  for (int i = 0; i < 200 && !std::filesystem::exists(socket_path); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  channel_ = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  absl::Status health = CheckHealth(*channel_, std::chrono::seconds(10));
  EXPECT_TRUE(health.ok()) << health;
  stub_ = v1::ImageService::NewStub(channel_);
  return health.ok();
}

void ImagedProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  pid_ = -1;
}

grpc::Status ImagedProcess::Import(const std::string& data, const std::string& repo,
                                   v1::Image* out) {
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  v1::ImportImageResponse response;
  auto writer = stub_->ImportImage(&ctx, &response);
  v1::ImportImageRequest first;
  first.mutable_options()->set_repo(repo);
  writer->Write(first);
  for (size_t off = 0; off < data.size(); off += 65536) {
    v1::ImportImageRequest chunk;
    chunk.set_chunk(data.substr(off, 65536));
    // The server may refuse mid-stream (a limit); Finish() then tells why.
    if (!writer->Write(chunk)) break;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (status.ok() && out != nullptr) *out = response.image();
  return status;
}

std::vector<v1::Image> ImagedProcess::ListImages() {
  grpc::ClientContext ctx;
  v1::ListImagesResponse list;
  grpc::Status status = stub_->ListImages(&ctx, {}, &list);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return {list.images().begin(), list.images().end()};
}

}  // namespace berth::imaged::testing
