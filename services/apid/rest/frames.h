#pragma once

// Docker stream encodings (docker-api.md §2.1) and time formats.

#include <cstdint>
#include <string>
#include <string_view>

#include "berth/v1/types.pb.h"

namespace berth::apid::rest {

// The 8-byte multiplexing header (stream type, 3 zero bytes, big-endian
// length) followed by the payload. Stdin echoes are sent as stdout, as
// dockerd does.
std::string EncodeFrame(v1::StdStream stream, std::string_view payload);

// What one log/attach entry becomes on the wire: a frame when !tty, the raw
// bytes when tty; with `timestamp` the payload is prefixed with the entry's
// RFC3339Nano time (fixed 9 digits) and a space, as `docker logs -t` expects.
std::string EncodeOutput(const v1::LogEntry& entry, bool tty, bool timestamp);

// Go's time.RFC3339Nano in UTC: "2026-11-27T17:30:47.314916439Z", trailing
// zeros of the fraction trimmed (inspect objects), or always 9 digits when
// `fixed` (log timestamps). An unset time (seconds == 0 and nanos == 0) is
// "0001-01-01T00:00:00Z", Go's zero time.
std::string FormatRfc3339Nano(int64_t seconds, int32_t nanos, bool fixed = false);

}  // namespace berth::apid::rest
