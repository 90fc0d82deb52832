#pragma once

// Docker's exec JSON ↔ berth.v1 exec messages (API 1.41): the create body
// (ExecConfig), the start body (ExecStartCheck) and the inspect answer
// (ContainerExecInspect). Pure; unit-tested.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "berth/v1/exec.pb.h"

namespace berth::apid::rest {

// POST /containers/{id}/exec. InvalidArgument for malformed JSON or a field
// of the wrong type (the command itself is checked by ExecService).
absl::StatusOr<v1::ExecConfig> ParseExecCreateBody(const std::string& body);

// POST /exec/{id}/start: {"Detach":bool,"Tty":bool,"ConsoleSize":[h,w]}.
// An empty body means attached.
struct ExecStart {
  bool detach = false;
  uint32_t height = 0;
  uint32_t width = 0;
};
absl::StatusOr<ExecStart> ParseExecStartBody(const std::string& body);

// GET /exec/{id}/json. ExitCode is null until the exec exited.
std::string ExecInspectJson(const v1::ExecInspect& exec);

}  // namespace berth::apid::rest
