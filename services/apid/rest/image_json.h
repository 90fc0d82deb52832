#pragma once

// Docker JSON for images: list entries, the inspect object and the lines of a
// JSON progress stream (docker-api.md §2.3, §3.7).

#include <string>

#include <nlohmann/json.hpp>

#include "berth/v1/images.pb.h"
#include "berth/v1/types.pb.h"

namespace berth::apid::rest {

// One entry of GET /images/json. Untagged images get the 1.41 placeholders
// "<none>:<none>" / "<none>@<none>".
std::string ImageListEntryJson(const v1::Image& image);
// The same entry as a JSON value (docker system df fills Containers and
// SharedSize).
nlohmann::ordered_json ImageListEntry(const v1::Image& image);

// GET /images/{name}/json.
std::string ImageInspectJson(const v1::Image& image);

// One progress line with its trailing newline. A message with `error` set
// becomes {"errorDetail":{"message":e},"error":e}.
std::string ProgressLineJson(const v1::ProgressMessage& message);

// {"errorDetail":{"message":m},"error":m}\n — the CLI prints m and exits 1.
std::string ProgressErrorJson(const std::string& message);

// {"status":s}\n
std::string ProgressStatusJson(const std::string& status);

}  // namespace berth::apid::rest
