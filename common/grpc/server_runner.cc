#include "common/grpc/server_runner.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "spdlog/fmt/fmt.h"
#include "spdlog/spdlog.h"

namespace berth {
namespace {

constexpr char kUnixPrefix[] = "unix://";

struct RpcMetrics {
  prometheus::Family<prometheus::Counter>* handled;
  prometheus::Family<prometheus::Histogram>* duration;
  std::string service;
};

// Per-call interceptor: notes the start time, and when the status is sent
// records the counter and the latency.
class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(RpcMetrics* metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      metrics_->handled
          ->Add({{"service", metrics_->service},
                 {"method", method_},
                 {"code", CodeName(status.error_code())}})
          .Increment();
      metrics_->duration
          ->Add({{"service", metrics_->service}, {"method", method_}},
                prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.005, 0.01, 0.05, 0.1,
                                                        0.5, 1, 5, 30})
          .Observe(seconds);
    }
    methods->Proceed();
  }

 private:
  static std::string CodeName(grpc::StatusCode code) {
    static const char* kNames[] = {"OK",
                                   "CANCELLED",
                                   "UNKNOWN",
                                   "INVALID_ARGUMENT",
                                   "DEADLINE_EXCEEDED",
                                   "NOT_FOUND",
                                   "ALREADY_EXISTS",
                                   "PERMISSION_DENIED",
                                   "RESOURCE_EXHAUSTED",
                                   "FAILED_PRECONDITION",
                                   "ABORTED",
                                   "OUT_OF_RANGE",
                                   "UNIMPLEMENTED",
                                   "INTERNAL",
                                   "UNAVAILABLE",
                                   "DATA_LOSS",
                                   "UNAUTHENTICATED"};
    int index = static_cast<int>(code);
    if (index < 0 || index > 16) return "UNKNOWN";
    return kNames[index];
  }

  RpcMetrics* metrics_;
  std::string method_;
  std::chrono::steady_clock::time_point start_;
};

class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(RpcMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(metrics_, info->method());
  }

 private:
  RpcMetrics* metrics_;
};

// Families live as long as the registry; one RpcMetrics per process is enough.
RpcMetrics* BuildRpcMetrics(const std::string& name, prometheus::Registry& registry) {
  auto* metrics = new RpcMetrics{
      &prometheus::BuildCounter()
           .Name("berth_grpc_server_handled_total")
           .Help("gRPC calls completed by the server, by method and status code")
           .Register(registry),
      &prometheus::BuildHistogram()
           .Name("berth_grpc_server_handling_seconds")
           .Help("Time from the start of a gRPC call to its status, by method")
           .Register(registry),
      name};
  return metrics;
}

}  // namespace

unsigned SocketModeFor(SocketAccess access) {
  return access == SocketAccess::kGroup ? 0660 : 0600;
}

absl::Status RestrictSocket(const std::string& path, SocketAccess access) {
  const unsigned mode = SocketModeFor(access);
  if (::chmod(path.c_str(), mode) != 0) {
    return ErrnoToStatus(errno, fmt::format("chmod {:04o} '{}'", mode, path));
  }
  if (access != SocketAccess::kGroup) return absl::OkStatus();
  if (struct group* g = ::getgrnam("berth")) {
    if (::chown(path.c_str(), 0, g->gr_gid) != 0) {
      spdlog::warn("chown root:berth '{}' failed: {}", path, std::strerror(errno));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ServerRunner>> ServerRunner::Start(
    const std::string& name, const std::string& listen, std::vector<grpc::Service*> services,
    prometheus::Registry& registry, SocketAccess access) {
  std::unique_ptr<ServerRunner> runner(new ServerRunner());
  if (absl::StartsWith(listen, kUnixPrefix)) {
    runner->socket_path_ = listen.substr(sizeof(kUnixPrefix) - 1);
    std::filesystem::path parent = std::filesystem::path(runner->socket_path_).parent_path();
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials());
  builder.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(
      std::make_unique<MetricsInterceptorFactory>(BuildRpcMetrics(name, registry)));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  runner->server_ = builder.BuildAndStart();
  if (!runner->server_) {
    return absl::UnavailableError(absl::StrCat("cannot listen on '", listen, "'"));
  }
  if (!runner->socket_path_.empty()) {
    if (absl::Status s = RestrictSocket(runner->socket_path_, access); !s.ok()) {
      return absl::UnavailableError(absl::StrCat("listen on '", listen, "': ", s.message()));
    }
  }
  runner->server_->GetHealthCheckService()->SetServingStatus(true);
  spdlog::info("serving gRPC on {} (socket mode {:o})", listen, SocketModeFor(access));
  return runner;
}

ServerRunner::~ServerRunner() { Shutdown(); }

void ServerRunner::Shutdown() {
  if (shut_down_ || !server_) return;
  shut_down_ = true;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
}

}  // namespace berth
