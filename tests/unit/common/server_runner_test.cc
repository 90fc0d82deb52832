// ServerRunner's socket modes: each daemon chooses who may connect, and a
// mode that cannot be applied fails the start instead of leaving the socket
// as the umask made it.
#include "common/grpc/server_runner.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "berth/v1/netd.grpc.pb.h"

namespace berth {
namespace {

class ServerRunnerSocketTest : public ::testing::Test {
 protected:
  ServerRunnerSocketTest() {
    char tmpl[] = "/tmp/berth-runner-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~ServerRunnerSocketTest() override { std::filesystem::remove_all(dir_); }

  // The mode bits of the socket a runner with `access` creates.
  unsigned ModeOfSocketWith(SocketAccess access, const std::string& name) {
    const std::string path = dir_ + "/" + name + ".sock";
    prometheus::Registry registry;
    // gRPC refuses to start a sync server without a sync service; any will do
    // (its methods answer UNIMPLEMENTED).
    v1::NetworkService::Service service;
    auto runner = ServerRunner::Start(name, "unix://" + path, {&service}, registry, access);
    EXPECT_TRUE(runner.ok()) << runner.status();
    if (!runner.ok()) return 0;
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    return st.st_mode & 07777;
  }

  std::string dir_;
};

TEST_F(ServerRunnerSocketTest, InternalSocketsAreOwnerOnly) {
  EXPECT_EQ(ModeOfSocketWith(SocketAccess::kOwnerOnly, "internal"), 0600u);
}

TEST_F(ServerRunnerSocketTest, PublicSocketsAreGroupAccessible) {
  EXPECT_EQ(ModeOfSocketWith(SocketAccess::kGroup, "public"), 0660u);
}

TEST_F(ServerRunnerSocketTest, RestrictSocketNarrowsAWideFileAndReportsFailure) {
  const std::string path = dir_ + "/wide";
  ASSERT_TRUE(std::filesystem::create_directory(path));  // any file will do for chmod
  ASSERT_EQ(::chmod(path.c_str(), 0777), 0);
  ASSERT_TRUE(RestrictSocket(path, SocketAccess::kOwnerOnly).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  absl::Status missing = RestrictSocket(dir_ + "/absent", SocketAccess::kGroup);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("chmod 0660"), absl::string_view::npos) << missing;
}

}  // namespace
}  // namespace berth
