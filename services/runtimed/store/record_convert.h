// The store boundary: runtimed works with the public berth.v1.Container and
// keeps its private runtimed_record.ContainerRecord on disk. The two are
// converted field by field, so a field added to the public message reaches
// the disk only when it is added here (and to the record), and the round-trip
// test (record_store_test.cc) fails until it is.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"
#include "services/runtimed/store/container_record.pb.h"

namespace berth::runtimed::store {

// The record format this runtimed writes and reads (ContainerRecord.record_version).
inline constexpr uint32_t kRecordVersion = 2;

runtimed_record::ContainerRecord ToRecord(const v1::Container& container);
v1::Container FromRecord(const runtimed_record::ContainerRecord& record);

// The file's text: the record as proto JSON with proto field names, stamped
// with kRecordVersion.
absl::StatusOr<std::string> EncodeRecord(const v1::Container& container);
// Parses a record file written by EncodeRecord; InvalidArgument when the text
// is not JSON of a ContainerRecord or its record_version is not kRecordVersion.
absl::StatusOr<v1::Container> DecodeRecord(const std::string& text);
// The record_version of a record file's text: 0 for a record of state schema
// version 1 (a berth.v1.Container has no such field); InvalidArgument when the
// text is not JSON of a ContainerRecord.
absl::StatusOr<uint32_t> RecordVersionOf(const std::string& text);
// Parses a record file of state schema version 1 (a berth.v1.Container as proto JSON).
absl::StatusOr<v1::Container> DecodeV1Record(const std::string& text);

}  // namespace berth::runtimed::store
