// The long-lived container endpoints: wait (headers first, body at exit),
// attach (hijacked byte pipe) and logs (chunked stream). The streams come from
// ContainerService; this file only frames them for the Docker protocol.

#include <string>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "services/apid/rest/attach_pump.h"
#include "services/apid/rest/frames.h"
#include "services/apid/rest/handlers.h"
#include "spdlog/spdlog.h"
#include "common/time/proto_time.h"

namespace berth::apid::rest {
namespace {


absl::StatusOr<v1::WaitCondition> ParseWaitCondition(const std::string& c) {
  if (c.empty() || c == "not-running") return v1::WAIT_CONDITION_NOT_RUNNING;
  if (c == "next-exit") return v1::WAIT_CONDITION_NEXT_EXIT;
  if (c == "removed") return v1::WAIT_CONDITION_REMOVED;
  return absl::InvalidArgumentError("invalid condition: \"" + c + "\"");
}

std::string WaitBody(int exit_code, const std::string& error) {
  nlohmann::ordered_json j;
  j["Error"] = error.empty() ? nlohmann::ordered_json(nullptr)
                             : nlohmann::ordered_json{{"Message", error}};
  j["StatusCode"] = exit_code;
  return j.dump() + "\n";
}

absl::Status Wait(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<v1::WaitCondition> condition =
      ParseWaitCondition(ctx.request.query.Get("condition"));
  if (!condition.ok()) return condition.status();
  std::unique_ptr<WaitStream> stream =
      deps.containers.Wait(ctx.request.params["id"], *condition, nullptr);
  v1::WaitEvent event;
  if (!stream->Read(&event)) {
    absl::Status s = stream->Finish();
    return s.ok() ? absl::InternalError("wait stream ended before it started") : s;
  }
  // The docker CLI sends /start only once it has these headers.
  if (absl::Status s = ctx.response.BeginChunked(200, {{"Content-Type", "application/json"}});
      !s.ok()) {
    stream->Cancel();
    return absl::OkStatus();
  }
  std::unique_ptr<DisconnectWatch> watch =
      ctx.response.WatchDisconnect([s = stream.get()] { s->Cancel(); });
  while (!event.has_exit() && stream->Read(&event)) {
  }
  watch.reset();
  if (!event.has_exit()) {
    absl::Status s = stream->Finish();
    if (absl::IsCancelled(s)) return absl::OkStatus();  // the client went away
    // Like dockerd: the error goes into the body, StatusCode -1.
    ctx.response.WriteChunk(WaitBody(-1, std::string(s.message()))).IgnoreError();
    return ctx.response.EndChunked();
  }
  stream->Cancel();
  stream->Finish().IgnoreError();
  if (absl::Status s = ctx.response.WriteChunk(
          WaitBody(event.exit().exit_code(), event.exit().error()));
      !s.ok()) {
    return absl::OkStatus();
  }
  return ctx.response.EndChunked();
}

absl::Status Logs(RestDeps& deps, HandlerContext& ctx) {
  const Query& q = ctx.request.query;
  bool want_stdout = q.GetBool("stdout");
  bool want_stderr = q.GetBool("stderr");
  if (!want_stdout && !want_stderr) {
    return absl::InvalidArgumentError("You must choose at least one stream");
  }
  v1::ContainerLogsRequest request;
  request.set_container(ctx.request.params["id"]);
  request.set_follow(q.GetBool("follow"));
  request.set_stdout(want_stdout);
  request.set_stderr(want_stderr);
  long long tail = -1;
  if (q.Get("tail") != "all") {
    absl::StatusOr<long long> n = q.GetInt("tail", -1, kLogTailRange);
    if (!n.ok()) return n.status();
    tail = *n;
  }
  request.set_tail(static_cast<int32_t>(tail));
  absl::StatusOr<int64_t> since = q.GetUnixNanos("since");
  if (!since.ok()) return since.status();
  absl::StatusOr<int64_t> until = q.GetUnixNanos("until");
  if (!until.ok()) return until.status();
  request.set_since_unix_nano(*since);
  const int64_t until_ns = *until;
  bool timestamps = q.GetBool("timestamps");

  absl::StatusOr<ContainerService::OpenLogs> logs = deps.containers.Logs(request, nullptr);
  if (!logs.ok()) return logs.status();
  const v1::Container* c = &logs->container;
  bool tty = c->config().tty();
  std::unique_ptr<LogStream>& stream = logs->stream;
  if (absl::Status s = ctx.response.BeginChunked(200, {}); !s.ok()) {
    stream->Cancel();
    return absl::OkStatus();
  }
  std::unique_ptr<DisconnectWatch> watch =
      ctx.response.WatchDisconnect([s = stream.get()] { s->Cancel(); });
  v1::LogBatch batch;
  bool client_gone = false;
  std::string chunk;
  while (stream->Read(&batch)) {
    // One HTTP chunk (one write) per batch, not per line.
    chunk.clear();
    for (const v1::LogEntry& entry : batch.entries()) {
      int64_t t = google::protobuf::util::TimeUtil::TimestampToNanoseconds(entry.time());
      if (until_ns > 0 && t > until_ns) continue;
      chunk += EncodeOutput(entry, tty, timestamps);
    }
    if (!chunk.empty() && !ctx.response.WriteChunk(chunk).ok()) {
      client_gone = true;
      stream->Cancel();
      break;
    }
  }
  watch.reset();
  absl::Status s = stream->Finish();
  // Cancelled: the watch saw the client leave (`logs -f` ended with Ctrl-C).
  if (client_gone || absl::IsCancelled(s)) return absl::OkStatus();
  if (!s.ok()) spdlog::warn("logs of container={}: {}", c->id().substr(0, 12), s.ToString());
  return ctx.response.EndChunked();
}

absl::Status Attach(RestDeps& deps, HandlerContext& ctx) {
  const Query& q = ctx.request.query;
  const bool want_stdin = q.GetBool("stdin");
  ContainerService::AttachOptions options;
  options.stdin = want_stdin;
  options.stdout = q.GetBool("stdout");
  options.stderr = q.GetBool("stderr");
  options.logs = q.GetBool("logs");
  // Answers 101 only once runtimed has registered the attach, so no output of
  // a start that follows can be missed.
  absl::StatusOr<ContainerService::OpenAttach> attach =
      deps.containers.Attach(ctx.request.params["id"], options);
  if (!attach.ok()) return attach.status();
  const v1::Container* c = &attach->container;
  const bool tty = c->config().tty();
  std::unique_ptr<AttachStream>& stream = attach->stream;
  absl::StatusOr<RawStream*> raw = ctx.response.Hijack({
      {"Content-Type", "application/vnd.docker.raw-stream"},
      {"Connection", "Upgrade"},
      {"Upgrade", "tcp"},
  });
  if (!raw.ok()) {
    stream->Cancel();
    stream->Finish().IgnoreError();
    return absl::OkStatus();
  }
  // stdin → runtimed on its own thread; bytes may come before /start
  // (runtimed buffers them). On EOF, dockerd closes the process's stdin only
  // for StdinOnce without a tty; otherwise an EOF may be a detach (-it, then
  // Ctrl-P Ctrl-Q) and the process keeps its stdin.
  const bool close_on_eof = want_stdin && c->config().stdin_once() && !tty;
  absl::Status s = PumpAttach(**raw, *stream,
                              {.want_stdin = want_stdin, .close_stdin_on_eof = close_on_eof,
                               .tty = tty});
  if (!s.ok() && !absl::IsCancelled(s)) {
    spdlog::debug("attach to container={} ended: {}", c->id().substr(0, 12), s.ToString());
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterContainerStreamRoutes(Router& router, RestDeps& deps) {
  router.Add("POST", "/containers/{id}/wait",
             [&deps](HandlerContext& ctx) { return Wait(deps, ctx); });
  router.Add("POST", "/containers/{id}/attach",
             [&deps](HandlerContext& ctx) { return Attach(deps, ctx); });
  router.Add("GET", "/containers/{id}/logs",
             [&deps](HandlerContext& ctx) { return Logs(deps, ctx); });
}

}  // namespace berth::apid::rest
