#include "common/events/event_service.h"
#include "common/time/proto_time.h"

namespace berth::events {

v1::Event ToProto(const EventRecord& record) {
  v1::Event event;
  event.set_type(record.type);
  event.set_action(record.action);
  event.set_id(record.id);
  for (const auto& [k, v] : record.attributes) (*event.mutable_attributes())[k] = v;
  *event.mutable_time() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(record.time_unix_nano);
  return event;
}

grpc::Status ServeEvents(EventLog& log, grpc::ServerContext* context,
                         const v1::EventsRequest& request, grpc::ServerWriter<v1::Event>* writer) {
  log.Stream(
      request.since_unix_nano(), request.until_unix_nano(),
      [writer](const EventRecord& record) { return writer->Write(ToProto(record)); },
      [context] { return context->IsCancelled(); });
  return grpc::Status::OK;
}

}  // namespace berth::events
