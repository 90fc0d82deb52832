// The netd binary end to end over gRPC, as the launcher runs it: serve,
// publish a port, survive a restart (rules stay in the kernel), detach, and
// `netd --teardown`. Root only; names are unique to the test process.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "berth/v1/netd.grpc.pb.h"
#include "gtest/gtest.h"
#include "netns_helpers.h"

extern char** environ;

namespace berth::netd {
namespace {

using testing::NetnsGreeter;
using testing::ReadFromLoopback;
using testing::RunCommand;

class NetdDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (netlink, mounts, nftables)";
    int pid = ::getpid();
    bridge_ = absl::StrCat("btd", pid % 10000);
    subnet_ = absl::StrFormat("10.%d.%d.0/24", 200 + (pid + 7) % 50, (pid + 7) % 250);
    table_ = absl::StrCat("berth_d", pid);
    char tmpl[] = "/tmp/netd-dt-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    socket_ = absl::StrCat("unix://", root_, "/netd.sock");
  }

  void TearDown() override {
    if (root_.empty()) return;
    StopDaemon();
    RunTeardown();  // the same path deploy/berth-down takes
    std::string netns_dir = root_ + "/run/netd/netns";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(netns_dir, ec)) {
      RunCommand("umount -l " + entry.path().string());
    }
    RunCommand("umount -l " + netns_dir);
    RunCommand("ip link del " + bridge_);
    RunCommand("nft delete table ip " + table_);
    std::filesystem::remove_all(root_, ec);
  }

  std::vector<std::string> Flags() {
    return {"--state_dir=" + root_ + "/state",
            "--run_dir=" + root_ + "/run",
            "--bridge=" + bridge_,
            "--subnet=" + subnet_,
            "--nft_table=" + table_,
            "--listen=" + socket_,
            "--metrics_address=127.0.0.1:0",
            "--resolv_conf_source="};
  }

  pid_t Spawn(std::vector<std::string> args) {
    args.insert(args.begin(), NETD_BINARY);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t child = -1;
    if (::posix_spawn(&child, NETD_BINARY, nullptr, nullptr, argv.data(), environ) != 0) return -1;
    return child;
  }

  // Starts netd and waits until its gRPC socket answers.
  void StartDaemon() {
    daemon_ = Spawn(Flags());
    ASSERT_GT(daemon_, 0);
    // Connecting before the socket exists would put the channel into gRPC's
    // reconnect backoff (seconds); wait for the file first.
    const std::string path = socket_.substr(std::string("unix://").size());
    for (int i = 0; i < 300 && !std::filesystem::exists(path); ++i) {
      int status = 0;
      ASSERT_EQ(::waitpid(daemon_, &status, WNOHANG), 0) << "netd exited during startup";
      ::usleep(10 * 1000);
    }
    auto channel = grpc::CreateChannel(socket_, grpc::InsecureChannelCredentials());
    bool connected = false;
    for (int i = 0; i < 100 && !connected; ++i) {
      int status = 0;
      ASSERT_EQ(::waitpid(daemon_, &status, WNOHANG), 0) << "netd exited during startup";
      connected = channel->WaitForConnected(std::chrono::system_clock::now() +
                                            std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(connected) << "netd did not start serving";
    stub_ = berth::v1::NetworkService::NewStub(channel);
  }

  void StopDaemon() {
    if (daemon_ <= 0) return;
    ::kill(daemon_, SIGTERM);
    int status = 0;
    ::waitpid(daemon_, &status, 0);
    daemon_ = -1;
    stub_.reset();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "netd status " << status;
  }

  int RunTeardown() {
    std::vector<std::string> args = Flags();
    args.push_back("--teardown");
    pid_t child = Spawn(args);
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  grpc::Status Attach(const berth::v1::AttachRequest& request, berth::v1::AttachResponse* out) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->Attach(&context, request, out);
  }

  std::string root_, bridge_, subnet_, table_, socket_;
  pid_t daemon_ = -1;
  std::unique_ptr<berth::v1::NetworkService::Stub> stub_;
};

TEST_F(NetdDaemonTest, ServesAttachSurvivesRestartDetachesAndTearsDown) {
  StartDaemon();
  const std::string id = absl::StrCat("d00d", ::getpid(), "aabbccddee");
  berth::v1::AttachRequest request;
  request.set_container_id(id);
  request.set_container_name("web");
  request.set_network_mode("default");
  request.set_hostname("d00dhost");
  berth::v1::PortBinding* binding = request.add_port_bindings();
  binding->set_container_port(8080);
  berth::v1::AttachResponse response;
  grpc::Status status = Attach(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  const berth::v1::NetworkSummary& summary = response.summary();
  EXPECT_EQ(summary.mode(), "bridge");
  EXPECT_EQ(summary.sandbox_key(), root_ + "/run/netd/netns/" + id);
  ASSERT_EQ(summary.endpoints_size(), 1);
  EXPECT_EQ(summary.endpoints(0).network(), "bridge");
  EXPECT_EQ(summary.endpoints(0).prefix_len(), 24u);
  ASSERT_EQ(summary.ports_size(), 1);
  EXPECT_EQ(summary.ports(0).protocol(), "tcp");
  uint16_t host_port = summary.ports(0).host_port();
  ASSERT_NE(host_port, 0);
  EXPECT_NE(response.hosts().find(summary.endpoints(0).ip_address() + "\td00dhost\n"),
            std::string::npos);

  NetnsGreeter greeter;
  ASSERT_TRUE(greeter.Start(summary.sandbox_key(), 8080).ok());
  EXPECT_EQ(ReadFromLoopback(host_port), "hello from the netns\n");

  // Joining a container that has no endpoint is refused with Docker's text.
  berth::v1::AttachRequest joiner;
  joiner.set_container_id("other");
  joiner.set_network_mode("container:abc");
  berth::v1::AttachResponse ignored;
  status = Attach(joiner, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), "cannot join network of a non running container: abc");

  StopDaemon();
  EXPECT_EQ(ReadFromLoopback(host_port), "hello from the netns\n") << "while netd is down";
  StartDaemon();
  EXPECT_EQ(ReadFromLoopback(host_port), "hello from the netns\n") << "after the restart";

  {
    grpc::ClientContext context;
    berth::v1::ListEndpointsResponse endpoints;
    ASSERT_TRUE(stub_->ListEndpoints(&context, {}, &endpoints).ok());
    ASSERT_EQ(endpoints.container_ids_size(), 1);
    EXPECT_EQ(endpoints.container_ids(0), id);
  }
  {
    grpc::ClientContext context;
    berth::v1::ListNetworksResponse networks;
    ASSERT_TRUE(stub_->ListNetworks(&context, {}, &networks).ok());
    ASSERT_EQ(networks.networks_size(), 3);
    EXPECT_EQ(networks.networks(0).bridge(), bridge_);
    EXPECT_EQ(networks.networks(0).subnet(), subnet_);
  }
  {
    grpc::ClientContext context;
    berth::v1::DetachRequest detach;
    detach.set_container_id(id);
    berth::v1::DetachResponse detached;
    ASSERT_TRUE(stub_->Detach(&context, detach, &detached).ok());
    EXPECT_FALSE(std::filesystem::exists(summary.sandbox_key()));
  }

  StopDaemon();
  EXPECT_EQ(RunTeardown(), 0);
  EXPECT_NE(RunCommand("ip link show " + bridge_).find("does not exist"), std::string::npos);
  EXPECT_NE(RunCommand("nft list table ip " + table_).find("No such file"), std::string::npos);
  EXPECT_EQ(RunCommand("grep -c " + root_ + " /proc/self/mountinfo"), "0\n");
}

}  // namespace
}  // namespace berth::netd
