#pragma once

// gRPC implementations of the stream interfaces in streams.h. Each owns its
// ClientContext, which must outlive the reader/writer built on it.

#include <memory>
#include <utility>

#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>

#include "common/grpc/grpc_status.h"
#include "services/apid/clients/streams.h"

namespace berth::apid {

template <typename Out>
class GrpcReadStream : public ReadStream<Out> {
 public:
  // `start` opens the call on the given context and returns the reader.
  template <typename StartFn>
  GrpcReadStream(std::unique_ptr<grpc::ClientContext> context, StartFn start)
      : context_(std::move(context)), reader_(start(context_.get())) {}

  bool Read(Out* out) override { return reader_->Read(out); }
  void Cancel() override { context_->TryCancel(); }
  absl::Status Finish() override { return FromGrpcStatus(reader_->Finish()); }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<Out>> reader_;
};

template <typename In, typename Out>
class GrpcBidiStream : public BidiStream<In, Out> {
 public:
  template <typename StartFn>
  GrpcBidiStream(std::unique_ptr<grpc::ClientContext> context, StartFn start)
      : context_(std::move(context)), stream_(start(context_.get())) {}

  bool Read(Out* out) override { return stream_->Read(out); }
  bool Write(const In& in) override { return stream_->Write(in); }
  bool WritesDone() override { return stream_->WritesDone(); }
  void Cancel() override { context_->TryCancel(); }
  absl::Status Finish() override { return FromGrpcStatus(stream_->Finish()); }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReaderWriter<In, Out>> stream_;
};

template <typename In, typename Resp>
class GrpcWriteStream : public WriteStream<In, Resp> {
 public:
  template <typename StartFn>
  GrpcWriteStream(std::unique_ptr<grpc::ClientContext> context, StartFn start)
      : context_(std::move(context)), writer_(start(context_.get(), &response_)) {}

  bool Write(const In& in) override { return writer_->Write(in); }
  absl::StatusOr<Resp> Finish() override {
    writer_->WritesDone();
    grpc::Status status = writer_->Finish();
    if (!status.ok()) return FromGrpcStatus(status);
    return response_;
  }
  void Cancel() override { context_->TryCancel(); }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  Resp response_;
  std::unique_ptr<grpc::ClientWriter<In>> writer_;
};

// A context for a streaming call: no deadline; when `parent` is set (a gRPC
// call of apid's public API being forwarded), the backend call is cancelled
// together with it.
std::unique_ptr<grpc::ClientContext> StreamContext(const grpc::ServerContextBase* parent);

}  // namespace berth::apid
