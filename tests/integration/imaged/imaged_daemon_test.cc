// The imaged binary over gRPC, as apid uses it: import (streamed), inspect,
// snapshots, rmi conflicts, pull UNIMPLEMENTED, clean shutdown on SIGTERM.
#include <grpcpp/grpcpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "berth/v1/imaged.grpc.pb.h"
#include "tests/integration/imaged/busybox_rootfs.h"
#include "tests/integration/imaged/imaged_process.h"

namespace berth::imaged {
namespace {

class ImagedDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Root because the launcher runs it as root (ownership is applied).
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    tar_ = testing::BusyboxRootfsTar();
    if (tar_.empty()) GTEST_SKIP() << "no busybox-static";
    Start();
  }

  void Start() {
    ASSERT_TRUE(imaged_.Start());
    stub_ = &imaged_.stub();
  }
  void Stop() { imaged_.Stop(); }

  grpc::Status Import(const std::string& tar, const std::string& repo, v1::Image* out) {
    return imaged_.Import(tar, repo, out);
  }

  testing::TempDir dir_;
  testing::ImagedProcess imaged_{dir_.path()};
  std::string tar_;
  v1::ImageService::Stub* stub_ = nullptr;
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
    // A test imaged allows only loopback registries: refused before any
    // lookup of the Hub.
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(s.error_message(), ::testing::HasSubstr("is not allowed"));
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
