// The imaged binary over gRPC, as apid uses it: import (streamed), inspect,
// snapshots, rmi conflicts, pull UNIMPLEMENTED, clean shutdown on SIGTERM.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "berth/v1/imaged.grpc.pb.h"
#include "common/grpc/channel.h"
#include "tests/integration/imaged/busybox_rootfs.h"

namespace berth::imaged {
namespace {

class ImagedDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Root because the launcher runs it as root (ownership is applied).
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    tar_ = testing::BusyboxRootfsTar();
    if (tar_.empty()) GTEST_SKIP() << "no busybox-static";
    address_ = "unix://" + dir_.path() + "/imaged.sock";
    Start();
  }

  void TearDown() override { Stop(); }

  void Start() {
    std::vector<std::string> argv = {IMAGED_BINARY,
                                     "--listen=" + address_,
                                     "--metrics_address=127.0.0.1:0",
                                     "--metrics_address_file=" + dir_.path() + "/metrics",
                                     "--state_dir=" + dir_.path() + "/state",
                                     "--run_dir=" + dir_.path() + "/run"};
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ASSERT_GT(pid_, 0);
    // Connect only once the socket exists: an early failed attempt puts the
    // channel into reconnect backoff for seconds. The private subchannel pool
    // keeps a channel made after a restart from reusing the old connection.
    std::string socket_path = address_.substr(std::string("unix://").size());
    for (int i = 0; i < 200 && !std::filesystem::exists(socket_path); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channel_ = grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args);
    absl::Status health = CheckHealth(*channel_, std::chrono::seconds(10));
    ASSERT_TRUE(health.ok()) << health;
    stub_ = v1::ImageService::NewStub(channel_);
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    pid_ = -1;
  }

  grpc::Status Import(const std::string& tar, const std::string& repo, v1::Image* out) {
    grpc::ClientContext ctx;
    SetDeadline(ctx);
    v1::ImportImageResponse response;
    auto writer = stub_->ImportImage(&ctx, &response);
    v1::ImportImageRequest first;
    first.mutable_options()->set_repo(repo);
    writer->Write(first);
    for (size_t off = 0; off < tar.size(); off += 65536) {
      v1::ImportImageRequest chunk;
      chunk.set_chunk(tar.substr(off, 65536));
      if (!writer->Write(chunk)) break;
    }
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (status.ok() && out != nullptr) *out = response.image();
    return status;
  }

  testing::TempDir dir_;
  std::string tar_;
  std::string address_;
  pid_t pid_ = -1;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ImageService::Stub> stub_;
};

TEST_F(ImagedDaemonTest, ImportInspectSnapshotRemove) {
  v1::Image image;
  grpc::Status status = Import(tar_, "docker.io/library/busybox:1", &image);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(image.repo_tags_size(), 1);
  EXPECT_EQ(image.repo_tags(0), "busybox:1");
  EXPECT_EQ(image.diff_ids_size(), 1);
  EXPECT_GT(image.size(), 100000);
  EXPECT_GT(image.created().seconds(), 0);

  {
    grpc::ClientContext ctx;
    v1::InspectImageRequest req;
    req.set_reference(image.id().substr(7, 12));
    v1::Image found;
    ASSERT_TRUE(stub_->InspectImage(&ctx, req, &found).ok());
    EXPECT_EQ(found.id(), image.id());
  }
  {
    grpc::ClientContext ctx;
    v1::InspectImageRequest req;
    req.set_reference("busybox");  // :latest does not exist
    v1::Image found;
    grpc::Status s = stub_->InspectImage(&ctx, req, &found);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(s.error_message(), "No such image: busybox");
  }
  {
    grpc::ClientContext ctx;
    v1::PullImageRequest req;
    req.set_reference("alpine");
    auto reader = stub_->PullImage(&ctx, req);
    v1::ProgressMessage msg;
    while (reader->Read(&msg)) {
    }
    grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_EQ(s.error_message(), "pull is not implemented yet");
  }
  std::string key(64, 'a');
  {
    grpc::ClientContext ctx;
    v1::PrepareSnapshotRequest req;
    req.set_key(key);
    req.set_image_id(image.id());
    v1::PrepareSnapshotResponse resp;
    ASSERT_TRUE(stub_->PrepareSnapshot(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.mounts_size(), 1);
    EXPECT_EQ(resp.mounts(0).type(), "overlay");
    EXPECT_EQ(resp.mounts(0).options_size(), 3);
    grpc::ClientContext again;
    EXPECT_EQ(stub_->PrepareSnapshot(&again, req, &resp).error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
  {
    grpc::ClientContext ctx;
    v1::RemoveImageRequest req;
    req.set_reference("busybox:1");
    v1::RemoveImageResponse resp;
    grpc::Status s = stub_->RemoveImage(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_NE(s.error_message().find("(must force) - container aaaaaaaaaaaa"), std::string::npos)
        << s.error_message();
  }
  // The daemon restarts with the same state.
  Stop();
  Start();
  {
    grpc::ClientContext ctx;
    v1::ListSnapshotsResponse resp;
    ASSERT_TRUE(stub_->ListSnapshots(&ctx, {}, &resp).ok());
    ASSERT_EQ(resp.keys_size(), 1);
    EXPECT_EQ(resp.keys(0), key);
    grpc::ClientContext rm;
    v1::RemoveSnapshotRequest req;
    req.set_key(key);
    v1::RemoveSnapshotResponse rm_resp;
    EXPECT_TRUE(stub_->RemoveSnapshot(&rm, req, &rm_resp).ok());
  }
  {
    grpc::ClientContext ctx;
    v1::RemoveImageRequest req;
    req.set_reference("busybox:1");
    v1::RemoveImageResponse resp;
    ASSERT_TRUE(stub_->RemoveImage(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.untagged_size(), 1);
    EXPECT_EQ(resp.untagged(0), "busybox:1");
    EXPECT_EQ(resp.deleted_size(), 2);
    grpc::ClientContext list_ctx;
    v1::ListImagesResponse list;
    ASSERT_TRUE(stub_->ListImages(&list_ctx, {}, &list).ok());
    EXPECT_EQ(list.images_size(), 0);
  }
}

TEST_F(ImagedDaemonTest, BadStreamsAreInvalidArgument) {
  grpc::Status hostile =
      Import(testing::BuildTar({testing::Symlink("a", "/"), testing::File("a/etc/evil", "x")}),
             "evil", nullptr);
  EXPECT_EQ(hostile.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(hostile.error_message().find("symlink"), std::string::npos);

  grpc::ClientContext ctx;
  v1::ImportImageResponse response;
  auto writer = stub_->ImportImage(&ctx, &response);
  v1::ImportImageRequest chunk;
  chunk.set_chunk("data before options");
  writer->Write(chunk);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace berth::imaged
