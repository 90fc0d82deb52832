#include "services/runtimed/attach_session.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace berth::runtimed {

AttachSession::AttachSession(std::string container_id, AttachOptions options)
    : container_id_(std::move(container_id)), options_(options) {}

AttachSession::~AttachSession() { Detach(); }

absl::Status AttachSession::SendOrBuffer(const std::string& frame) {
  absl::MutexLock lock(&mu_);
  if (detached_ || ended_) return absl::OkStatus();  // nobody left to deliver to
  if (conn_ == nullptr) {
    pending_ += frame;
    return absl::OkStatus();
  }
  return conn_->Send(frame);
}

absl::Status AttachSession::WriteStdin(const std::string& data) {
  if (!options_.stdin || data.empty()) return absl::OkStatus();
  for (size_t off = 0; off < data.size(); off += shim::kMaxFramePayload) {
    BERTH_RETURN_IF_ERROR(
        SendOrBuffer(shim::EncodeFrame(shim::kFrameStdin, data.substr(off, shim::kMaxFramePayload))));
  }
  return absl::OkStatus();
}

absl::Status AttachSession::CloseStdin() {
  if (!options_.stdin) return absl::OkStatus();
  return SendOrBuffer(shim::EncodeFrame(shim::kFrameCloseStdin, ""));
}

absl::Status AttachSession::Resize(uint32_t height, uint32_t width) {
  return SendOrBuffer(shim::EncodeResizeFrame(height, width));
}

absl::Status AttachSession::Connect(ShimRuntime& shims) {
  BERTH_ASSIGN_OR_RETURN(
      std::shared_ptr<AttachStream> conn,
      shims.Attach(container_id_, options_));
  absl::MutexLock lock(&mu_);
  if (detached_ || ended_) {
    conn->Shutdown();
    return absl::OkStatus();
  }
  BERTH_RETURN_IF_ERROR(conn->Send(pending_));
  pending_.clear();
  conn_ = std::move(conn);
  return absl::OkStatus();
}

void AttachSession::End() {
  absl::MutexLock lock(&mu_);
  ended_ = true;
}

void AttachSession::Detach() {
  absl::MutexLock lock(&mu_);
  detached_ = true;
  if (conn_ != nullptr) conn_->Shutdown();
}

std::optional<OutputChunk> AttachSession::Read() {
  std::shared_ptr<AttachStream> conn;
  {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return conn_ != nullptr || ended_ || detached_;
    };
    mu_.Await(absl::Condition(&ready));
    if (conn_ == nullptr || detached_) return std::nullopt;
    conn = conn_;
  }
  while (true) {
    auto frame = conn->ReadFrame();
    if (!frame.ok() || !frame->has_value()) return std::nullopt;
    shim::Frame& f = **frame;
    if (f.type == shim::kFrameStdout || f.type == shim::kFrameStderr) {
      return OutputChunk{f.type == shim::kFrameStderr, std::move(f.payload)};
    }
  }
}

}  // namespace berth::runtimed
