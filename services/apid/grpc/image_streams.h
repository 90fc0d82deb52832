#pragma once

// gRPC streams as the image use cases take them (usecases/image_service.h).

#include <string>

#include <grpcpp/grpcpp.h>

#include "services/apid/usecases/image_service.h"

namespace berth::apid {

// A server-streaming answer: each message written to the caller.
template <typename T>
StreamSink<T> SinkOf(grpc::ServerWriter<T>* writer) {
  StreamSink<T> sink;
  sink.write = [writer](const T& message) { return writer->Write(message); };
  return sink;
}

// A client-streaming upload of `chunk` messages; "" when the caller is done.
template <typename Message>
ChunkSource ChunksOf(grpc::ServerReader<Message>* reader) {
  return [reader]() -> absl::StatusOr<std::string> {
    Message message;
    while (reader->Read(&message)) {
      if (!message.chunk().empty()) return std::move(*message.mutable_chunk());
    }
    return std::string();
  };
}

}  // namespace berth::apid
