#include "common/events/event_service.h"

namespace berth::events {

v1::Event ToProto(const EventRecord& record) {
  v1::Event event;
  event.set_type(record.type);
  event.set_action(record.action);
  event.set_id(record.id);
  for (const auto& [k, v] : record.attributes) (*event.mutable_attributes())[k] = v;
  event.mutable_time()->set_seconds(record.time_unix_nano / 1000000000);
  event.mutable_time()->set_nanos(static_cast<int32_t>(record.time_unix_nano % 1000000000));
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
