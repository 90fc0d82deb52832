// `berth version`, `berth info`, `berth health`.
#include <sys/utsname.h>

#include <chrono>
#include <iostream>
#include <string>

#include "absl/strings/str_format.h"
#include "cli/commands/client.h"
#include "cli/commands/commands.h"
#include "cli/disk_usage.h"
#include "cli/format.h"
#include "common/grpc/channel.h"
#include "common/version/build_info.h"

namespace berth::cli {
namespace {

// The version of the public gRPC API this client speaks (the proto package).
constexpr char kClientApiVersion[] = "v1";

// Go's names for architectures, which docker users know from OS/Arch lines.
std::string GoArch(const std::string& machine) {
  if (machine == "x86_64") {
    return "amd64";
  }
  if (machine == "aarch64") {
    return "arm64";
  }
  if (machine == "i686" || machine == "i386") {
    return "386";
  }
  return machine;
}

std::string ClientOsArch() {
  struct utsname u {};
  if (uname(&u) != 0) {
    return "linux/unknown";
  }
  return absl::StrFormat("linux/%s", GoArch(u.machine));
}

// " Key:<padding>value" with the value column aligned like `docker version`.
void PrintField(int indent, const std::string& key, const std::string& value) {
  constexpr int kValueColumn = 20;
  const std::string label = std::string(indent, ' ') + key + ":";
  std::cout << absl::StrFormat("%-*s%s\n", kValueColumn, label, value);
}

}  // namespace

int RunVersion(const GlobalOptions& global) {
  std::cout << "Client:\n";
  PrintField(1, "Version", BuildVersion());
  PrintField(1, "API version", kClientApiVersion);
  PrintField(1, "Git commit", BuildCommit());
  PrintField(1, "OS/Arch", ClientOsArch());
  std::cout << "\n";

  ApiClient client(global.host);
  auto context = client.UnaryContext();
  berth::v1::VersionResponse response;
  grpc::Status status = client.stub().Version(context.get(), {}, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  std::cout << "Server:\n Engine:\n";
  PrintField(2, "Version", response.version());
  PrintField(2, "API version", response.api_version());
  PrintField(2, "Git commit", response.git_commit());
  PrintField(2, "OS/Arch", response.os() + "/" + response.arch());
  PrintField(2, "Kernel Version", response.kernel_version());
  return kExitOk;
}

int RunInfo(const GlobalOptions& global) {
  std::cout << "Client:\n";
  std::cout << " Version:    " << BuildVersion() << "\n\n";

  ApiClient client(global.host);
  auto context = client.UnaryContext();
  berth::v1::InfoResponse info;
  grpc::Status status = client.stub().Info(context.get(), {}, &info);
  if (!status.ok()) {
    std::cout << "Server:\n";
    client.PrintError(status, "ERROR: ");
    return kExitError;
  }
  std::cout << "Server:\n";
  std::cout << " Containers: " << info.containers() << "\n";
  std::cout << "  Running: " << info.containers_running() << "\n";
  std::cout << "  Paused: " << info.containers_paused() << "\n";
  std::cout << "  Stopped: " << info.containers_stopped() << "\n";
  std::cout << " Images: " << info.images() << "\n";
  std::cout << " Server Version: " << info.server_version() << "\n";
  std::cout << " Cgroup Version: " << info.cgroup_version() << "\n";
  std::cout << " Kernel Version: " << info.kernel_version() << "\n";
  std::cout << " Operating System: " << info.operating_system() << "\n";
  std::cout << " Architecture: " << info.architecture() << "\n";
  std::cout << " CPUs: " << info.ncpu() << "\n";
  std::cout << " Total Memory: " << BinarySize(info.mem_total()) << "\n";
  std::cout << " Name: " << info.name() << "\n";
  std::cout << " ID: " << info.id() << "\n";
  std::cout << " Berth Root Dir: " << info.root_dir() << "\n";
  // Degraded services are information, not a failure of `info` itself: the
  // user runs `info` precisely to see what is wrong.
  std::cout << " Services:\n";
  for (const auto& service : info.services()) {
    std::cout << "  " << service.name() << ": ";
    if (service.serving()) {
      std::cout << "serving\n";
    } else {
      std::cout << "not serving";
      if (!service.error().empty()) {
        std::cout << " (" << service.error() << ")";
      }
      std::cout << "\n";
    }
  }
  return kExitOk;
}

int RunSystemDf(const GlobalOptions& global) {
  ApiClient client(global.host);
  // Sizing walks every writable layer and volume: allow for big ones.
  auto context = client.UnaryContext(std::chrono::minutes(5));
  berth::v1::DiskUsageResponse usage;
  grpc::Status status = client.stub().DiskUsage(context.get(), {}, &usage);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  std::cout << FormatDiskUsage(usage);
  return kExitOk;
}

int RunHealth(const GlobalOptions& global, int timeout_ms) {
  // Only the standard health service is used (no berth.v1 stub), so this
  // works against imaged, netd and runtimed sockets as well as apid's.
  auto channel = MakeChannel(GrpcTarget(global.host));
  absl::Status status = CheckHealth(*channel, std::chrono::milliseconds(timeout_ms));
  if (!status.ok()) {
    std::cerr << "berth: " << global.host << " is not serving: " << status.message()
              << std::endl;
    return kExitError;
  }
  std::cout << "SERVING" << std::endl;
  return kExitOk;
}

}  // namespace berth::cli
