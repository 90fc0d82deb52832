// The Events RPC every service serves the same way: its EventLog streamed as
// berth.v1.Event messages until the client leaves or `until` passes.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/sync_stream.h>

#include "berth/v1/types.pb.h"
#include "common/events/event_log.h"

namespace berth::events {

v1::Event ToProto(const EventRecord& record);

grpc::Status ServeEvents(EventLog& log, grpc::ServerContext* context,
                         const v1::EventsRequest& request, grpc::ServerWriter<v1::Event>* writer);

}  // namespace berth::events
