#pragma once

// `docker import --change` / `docker commit --change`: a handful of Dockerfile
// instructions applied to an image config. Pure functions.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/imaged/metadata/image_config.h"

namespace berth::imaged::metadata {

// Applies each change in order. Supported: CMD, ENTRYPOINT (JSON-array or shell
// form; shell form becomes ["/bin/sh", "-c", text]), ENV and LABEL (key=value
// pairs with Dockerfile quoting, or the legacy "ENV key value"), EXPOSE
// (port[/proto] and ranges), WORKDIR (relative paths join the previous one),
// USER, STOPSIGNAL. Like a Dockerfile, ENTRYPOINT clears an inherited CMD
// unless a CMD came earlier in the same list. Blank changes are ignored.
// InvalidArgument for unknown or unsupported instructions and bad arguments;
// `config` is left untouched on error.
absl::Status ApplyChanges(const std::vector<std::string>& changes, ImageConfig& config);

// Splits a line into words like a Dockerfile ENV/LABEL line: whitespace
// separates words, double quotes group (with backslash escapes), single quotes
// group literally, a backslash outside quotes escapes the next character.
// InvalidArgument for an unterminated quote.
absl::StatusOr<std::vector<std::string>> SplitWords(const std::string& line);

}  // namespace berth::imaged::metadata
