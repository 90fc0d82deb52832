// docker exec over REST (API 1.41): POST /containers/{id}/exec,
// POST /exec/{id}/start (detached, or attached: a hijacked byte pipe like
// attach's), POST /exec/{id}/resize, GET /exec/{id}/json. The workflow is
// ExecService's; this file only translates and frames.

#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "services/apid/rest/exec_json.h"
#include "services/apid/rest/attach_pump.h"
#include "services/apid/rest/frames.h"
#include "services/apid/rest/handlers.h"
#include "services/apid/rest/http_status.h"
#include "services/apid/rest/query.h"
#include "spdlog/spdlog.h"

namespace berth::apid::rest {
namespace {

constexpr size_t kMaxExecBody = 1 << 20;

absl::StatusOr<ExecService*> Execs(RestDeps& deps) {
  if (deps.execs == nullptr) return absl::UnimplementedError("exec is not served here");
  return deps.execs;
}

absl::Status Create(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<ExecService*> execs = Execs(deps);
  if (!execs.ok()) return execs.status();
  absl::StatusOr<std::string> body = ctx.body.ReadAll(kMaxExecBody);
  if (!body.ok()) return body.status();
  absl::StatusOr<v1::ExecConfig> config = ParseExecCreateBody(*body);
  if (!config.ok()) return config.status();
  absl::StatusOr<v1::ExecInspect> exec = (*execs)->Create(ctx.request.params["id"], *config);
  if (!exec.ok()) return exec.status();
  nlohmann::ordered_json j;
  j["Id"] = exec->id();
  return SendJson(ctx.response, 201, j.dump());
}

// The attached start, as dockerd does it: the connection is hijacked
// first, then the process started, so no output can travel with the
// upgrade's headers (docker-py reads those through a buffer and would lose
// it). stdin goes to the process, its output comes back (multiplexed
// without a tty, raw with one); closing the connection ends it. A start
// that fails now has only the stream left for its error, like dockerd's.
absl::Status StreamExec(ExecService& execs, const v1::ExecInspect& exec, uint32_t height,
                        uint32_t width, HandlerContext& ctx) {
  const v1::ExecConfig& config = exec.config();
  const bool tty = config.tty();
  const bool want_stdin = config.attach_stdin();
  absl::StatusOr<RawStream*> raw = ctx.response.Hijack({
      {"Content-Type", tty ? "application/vnd.docker.raw-stream"
                           : "application/vnd.docker.multiplexed-stream"},
      {"Connection", "Upgrade"},
      {"Upgrade", "tcp"},
  });
  if (!raw.ok()) return absl::OkStatus();
  absl::StatusOr<ExecService::OpenExec> open = execs.StartAttached(exec);
  if (!open.ok()) {
    v1::LogEntry error;
    error.set_stream(v1::STD_STREAM_STDERR);
    error.set_data(std::string(open.status().message()) + "\r\n");
    (*raw)->Write(EncodeOutput(error, tty, false));
    (*raw)->Close();
    return absl::OkStatus();
  }
  if (height > 0 && width > 0) execs.Resize(exec.id(), height, width).IgnoreError();
  // dockerd closes an exec's stdin when its client's input ends (so
  // `echo x | docker exec -i c cat` finishes).
  absl::Status s = PumpAttach(**raw, *open->stream,
                              {.want_stdin = want_stdin, .close_stdin_on_eof = want_stdin,
                               .tty = tty});
  if (!s.ok() && !absl::IsCancelled(s)) {
    spdlog::debug("exec={} stream ended: {}", exec.id().substr(0, 12), s.ToString());
  }
  return absl::OkStatus();
}

absl::Status Start(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<ExecService*> execs = Execs(deps);
  if (!execs.ok()) return execs.status();
  absl::StatusOr<std::string> body = ctx.body.ReadAll(kMaxExecBody);
  if (!body.ok()) return body.status();
  absl::StatusOr<ExecStart> start = ParseExecStartBody(*body);
  if (!start.ok()) return start.status();
  const std::string& id = ctx.request.params["id"];
  if (start->detach) {
    absl::StatusOr<v1::ExecInspect> exec = (*execs)->StartDetached(id, start->height, start->width);
    if (!exec.ok()) return exec.status();
    return ctx.response.Send(200, {{"Content-Type", "application/json"}}, "");
  }
  // Unknown exec ids are still an HTTP error (404), before the hijack.
  absl::StatusOr<v1::ExecInspect> exec = (*execs)->Inspect(id);
  if (!exec.ok()) return exec.status();
  return StreamExec(**execs, *exec, start->height, start->width, ctx);
}

absl::Status Resize(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<ExecService*> execs = Execs(deps);
  if (!execs.ok()) return execs.status();
  absl::StatusOr<long long> h = ctx.request.query.GetInt("h", 0, kTerminalSizeRange);
  if (!h.ok()) return h.status();
  absl::StatusOr<long long> w = ctx.request.query.GetInt("w", 0, kTerminalSizeRange);
  if (!w.ok()) return w.status();
  absl::Status s = (*execs)->Resize(ctx.request.params["id"], static_cast<uint32_t>(*h),
                                    static_cast<uint32_t>(*w));
  if (!s.ok()) return s;
  return ctx.response.Send(200, {{"Content-Type", "text/plain; charset=utf-8"}}, "");
}

absl::Status Inspect(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<ExecService*> execs = Execs(deps);
  if (!execs.ok()) return execs.status();
  absl::StatusOr<v1::ExecInspect> exec = (*execs)->Inspect(ctx.request.params["id"]);
  if (!exec.ok()) return exec.status();
  return SendJson(ctx.response, 200, ExecInspectJson(*exec));
}

}  // namespace

void RegisterExecRoutes(Router& router, RestDeps& deps) {
  router.Add("POST", "/containers/{id}/exec", Bind(deps, Create));
  router.Add("POST", "/exec/{id}/start", Bind(deps, Start));
  router.Add("POST", "/exec/{id}/resize", Bind(deps, Resize));
  router.Add("GET", "/exec/{id}/json", Bind(deps, Inspect));
}

}  // namespace berth::apid::rest
