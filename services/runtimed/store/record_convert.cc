#include "services/runtimed/store/record_convert.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace berth::runtimed::store {
namespace {

using runtimed_record::ContainerRecord;

ContainerRecord::State ToRecordState(const v1::ContainerState& state) {
  ContainerRecord::State out;
  out.set_status(state.status());
  out.set_pid(state.pid());
  out.set_exit_code(state.exit_code());
  out.set_error(state.error());
  if (state.has_started_at()) *out.mutable_started_at() = state.started_at();
  if (state.has_finished_at()) *out.mutable_finished_at() = state.finished_at();
  out.set_oom_killed(state.oom_killed());
  return out;
}

v1::ContainerState FromRecordState(const ContainerRecord::State& state) {
  v1::ContainerState out;
  out.set_status(state.status());
  out.set_pid(state.pid());
  out.set_exit_code(state.exit_code());
  out.set_error(state.error());
  if (state.has_started_at()) *out.mutable_started_at() = state.started_at();
  if (state.has_finished_at()) *out.mutable_finished_at() = state.finished_at();
  out.set_oom_killed(state.oom_killed());
  return out;
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) return absl::InternalError(absl::StrCat("encode record: ", status.ToString()));
  return json;
}

absl::Status FromJson(const std::string& text, google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  // A field this runtimed does not know (written by a newer one of the same
  // schema version) is dropped rather than making the record unreadable.
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(text, message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("parse record: ", status.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace

ContainerRecord ToRecord(const v1::Container& container) {
  ContainerRecord record;
  record.set_record_version(kRecordVersion);
  record.set_id(container.id());
  record.set_name(container.name());
  if (container.has_config()) *record.mutable_config() = container.config();
  record.set_image_id(container.image_id());
  if (container.has_created()) *record.mutable_created() = container.created();
  if (container.has_state()) *record.mutable_state() = ToRecordState(container.state());
  record.set_restart_count(container.restart_count());
  record.set_manually_stopped(container.manually_stopped());
  if (container.has_health()) *record.mutable_health() = container.health();
  if (container.has_network()) *record.mutable_network() = container.network();
  record.set_log_path(container.log_path());
  record.set_resolv_conf_path(container.resolv_conf_path());
  record.set_hostname_path(container.hostname_path());
  record.set_hosts_path(container.hosts_path());
  *record.mutable_rootfs() = container.rootfs();
  *record.mutable_path_and_args() = container.path_and_args();
  *record.mutable_mounts() = container.mounts();
  return record;
}

v1::Container FromRecord(const ContainerRecord& record) {
  v1::Container container;
  container.set_id(record.id());
  container.set_name(record.name());
  if (record.has_config()) *container.mutable_config() = record.config();
  container.set_image_id(record.image_id());
  if (record.has_created()) *container.mutable_created() = record.created();
  if (record.has_state()) *container.mutable_state() = FromRecordState(record.state());
  container.set_restart_count(record.restart_count());
  container.set_manually_stopped(record.manually_stopped());
  if (record.has_health()) *container.mutable_health() = record.health();
  if (record.has_network()) *container.mutable_network() = record.network();
  container.set_log_path(record.log_path());
  container.set_resolv_conf_path(record.resolv_conf_path());
  container.set_hostname_path(record.hostname_path());
  container.set_hosts_path(record.hosts_path());
  *container.mutable_rootfs() = record.rootfs();
  *container.mutable_path_and_args() = record.path_and_args();
  *container.mutable_mounts() = record.mounts();
  return container;
}

absl::StatusOr<std::string> EncodeRecord(const v1::Container& container) {
  return ToJson(ToRecord(container));
}

absl::StatusOr<v1::Container> DecodeRecord(const std::string& text) {
  ContainerRecord record;
  if (auto parsed = FromJson(text, &record); !parsed.ok()) return parsed;
  if (record.record_version() != kRecordVersion) {
    return absl::InvalidArgumentError(absl::StrCat("record version ", record.record_version(),
                                                   ", this runtimed reads ", kRecordVersion));
  }
  return FromRecord(record);
}

absl::StatusOr<uint32_t> RecordVersionOf(const std::string& text) {
  ContainerRecord record;
  if (auto parsed = FromJson(text, &record); !parsed.ok()) return parsed;
  return record.record_version();
}

absl::StatusOr<v1::Container> DecodeV1Record(const std::string& text) {
  v1::Container container;
  if (auto parsed = FromJson(text, &container); !parsed.ok()) return parsed;
  return container;
}

}  // namespace berth::runtimed::store
