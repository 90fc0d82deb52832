// imaged: flags → config → objects → serve. No logic here.
#include <unistd.h>

#include <cstdint>
#include <string>

#include "absl/flags/flag.h"
#include "common/daemon/daemon.h"
#include "common/metrics/metrics.h"
#include "services/imaged/image_manager.h"
#include "services/imaged/imaged_service.h"
#include "services/imaged/metrics.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen, "unix:///run/berth/imaged.sock", "gRPC listen address");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9411",
          "Prometheus /metrics address (port 0 picks a free port)");
ABSL_FLAG(std::string, metrics_address_file, "",
          "If set, the bound metrics address is written to this file");
ABSL_FLAG(std::string, state_dir, "/var/lib/berth/imaged", "State directory owned by imaged");
ABSL_FLAG(std::string, run_dir, "/run/berth", "Runtime directory (sockets, namespaces)");
// Caps on one imported layer (layers/limits.h); the defaults admit real images.
ABSL_FLAG(int64_t, max_layer_bytes, berth::imaged::layers::UnpackLimits().max_bytes,
          "Most bytes one layer may decompress to (the upload gets the same cap + 1/64)");
ABSL_FLAG(int64_t, max_layer_entries, berth::imaged::layers::UnpackLimits().max_entries,
          "Most entries (files, dirs, links, ...) in one layer");
ABSL_FLAG(int64_t, max_layer_file_bytes, berth::imaged::layers::UnpackLimits().max_file_bytes,
          "Most content bytes of one file in a layer");
ABSL_FLAG(int64_t, max_layer_apparent_file_bytes,
          berth::imaged::layers::UnpackLimits().max_apparent_file_bytes,
          "Largest apparent size (holes included) of one file in a layer");

// Registries (registry/registry_config.h). A test stack passes
// --allowed_registries=loopback so nothing off the machine is ever contacted.
ABSL_FLAG(std::string, allowed_registries, "",
          "Comma-separated registry hosts (host[:port]) pulls and pushes may contact; "
          "'loopback' admits 127.0.0.0/8, localhost and [::1]; empty = any");
ABSL_FLAG(std::string, registry_mirrors, "",
          "Comma-separated domain=host[:port] mirrors (e.g. docker.io=127.0.0.1:5000); "
          "a mirrored domain is never contacted itself");
ABSL_FLAG(std::string, insecure_registries, "",
          "Comma-separated registry hosts spoken to over plain HTTP (loopback always is)");
ABSL_FLAG(int, max_concurrent_downloads, 3, "Layers one pull downloads at once (as dockerd's)");
ABSL_FLAG(int, max_download_attempts, 5,
          "Tries per layer blob on transient errors (connection, 5xx), as dockerd's");
ABSL_FLAG(int64_t, download_retry_backoff_ms, 5000,
          "Wait before retry n of a layer: n times this (dockerd waits 5 s per attempt)");
ABSL_FLAG(int64_t, push_chunk_bytes, 16 * 1024 * 1024,
          "Push blobs larger than this in PATCH chunks of this size (0 = one PUT each)");
ABSL_FLAG(std::string, registry_ca_file, "", "CA bundle for TLS registries (default: system)");

int main(int argc, char** argv) {
  berth::daemon::Init(argc, argv, "imaged", "Berth imaged service");
  auto metrics = berth::metrics::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address),
                                                      absl::GetFlag(FLAGS_metrics_address_file));
  if (!metrics.ok()) {
    spdlog::critical("{}", metrics.status().ToString());
    return 1;
  }
  auto imaged_metrics = berth::imaged::ImagedMetrics::Create((*metrics)->registry());

  berth::imaged::ImageManagerOptions options;
  options.state_dir = absl::GetFlag(FLAGS_state_dir);
  // Without CAP_CHOWN the archive's owners cannot be applied; files then
  // belong to the daemon's user (rootless development runs).
  options.apply_ownership = ::geteuid() == 0;
  options.metrics = imaged_metrics.get();
  options.limits.max_bytes = absl::GetFlag(FLAGS_max_layer_bytes);
  options.limits.max_entries = absl::GetFlag(FLAGS_max_layer_entries);
  options.limits.max_file_bytes = absl::GetFlag(FLAGS_max_layer_file_bytes);
  options.limits.max_apparent_file_bytes = absl::GetFlag(FLAGS_max_layer_apparent_file_bytes);
  options.max_concurrent_downloads = absl::GetFlag(FLAGS_max_concurrent_downloads);
  options.download_attempts = absl::GetFlag(FLAGS_max_download_attempts);
  options.download_retry_backoff = absl::Milliseconds(absl::GetFlag(FLAGS_download_retry_backoff_ms));
  options.push_chunk_bytes = absl::GetFlag(FLAGS_push_chunk_bytes);
  if (options.max_concurrent_downloads < 1 || options.download_attempts < 1 ||
      absl::GetFlag(FLAGS_download_retry_backoff_ms) < 0 || options.push_chunk_bytes < 0) {
    spdlog::critical("--max_concurrent_downloads and --max_download_attempts must be >= 1, "
                     "--download_retry_backoff_ms and --push_chunk_bytes >= 0");
    return 2;
  }
  auto registry = berth::imaged::registry::ParseRegistryFlags(
      absl::GetFlag(FLAGS_allowed_registries), absl::GetFlag(FLAGS_registry_mirrors),
      absl::GetFlag(FLAGS_insecure_registries), absl::GetFlag(FLAGS_registry_ca_file));
  if (!registry.ok()) {
    spdlog::critical("{}", registry.status().ToString());
    return 1;
  }
  options.registry = *std::move(registry);
  auto manager = berth::imaged::ImageManager::Create(std::move(options));
  if (!manager.ok()) {
    spdlog::critical("{}", manager.status().ToString());
    return 1;
  }
  berth::imaged::ImagedService service(**manager);
  absl::Status status = berth::daemon::ServeUntilSignal(
      "imaged", absl::GetFlag(FLAGS_listen), {&service}, **metrics,
      berth::SocketAccess::kOwnerOnly);
  if (!status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  return 0;
}
