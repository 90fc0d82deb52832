#pragma once

// The gRPC side of container archive streams, shared by runtimed (running
// containers) and imaged (snapshots): both serve the same messages
// (types.proto: ContainerArchiveChunk, ExtractToContainerRequest).

#include <functional>
#include <string>

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/sync_stream.h>

#include "absl/status/status.h"
#include "berth/v1/types.pb.h"
#include "common/archive/container_path.h"

namespace berth::archive {

void ToProto(const PathStat& stat, v1::ContainerPathStat* out);

// Runs `produce` with a sink that sends the tar as ~256 KiB chunks on
// `writer`; the first message carries `stat` when given. Cancelled when the
// client goes away.
absl::Status StreamTar(grpc::ServerContext* context,
                       grpc::ServerWriter<v1::ContainerArchiveChunk>* writer,
                       const PathStat* stat, const std::function<absl::Status(const TarSink&)>& produce);

// Reads the first message of an extract call (the fields); InvalidArgument
// when there is none.
absl::StatusOr<v1::ExtractToContainerRequest> ReadExtractHeader(
    grpc::ServerContext* context, grpc::ServerReader<v1::ExtractToContainerRequest>* reader);

// The call's `data` as a TarSource: `first_data` (the header message's), then the rest.
TarSource ExtractDataSource(grpc::ServerContext* context,
                            grpc::ServerReader<v1::ExtractToContainerRequest>* reader,
                            std::string first_data);

}  // namespace berth::archive
