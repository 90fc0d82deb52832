#include "services/apid/rest/exec_json.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/apid/rest/json_fields.h"

namespace berth::apid::rest {
namespace {

using json = nlohmann::json;

absl::StatusOr<json> ParseObject(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return absl::InvalidArgumentError("invalid JSON body");
  if (!j.is_object()) return absl::InvalidArgumentError("the body must be a JSON object");
  return j;
}

}  // namespace

absl::StatusOr<v1::ExecConfig> ParseExecCreateBody(const std::string& body) {
  absl::StatusOr<json> j = ParseObject(body.empty() ? "{}" : body);
  if (!j.ok()) return j.status();
  v1::ExecConfig c;
  bool b = false;
  BERTH_RETURN_IF_ERROR(GetStringArray(*j, "Cmd", c.mutable_cmd(), ""));
  BERTH_RETURN_IF_ERROR(GetStringArray(*j, "Env", c.mutable_env(), ""));
  BERTH_RETURN_IF_ERROR(GetString(*j, "User", c.mutable_user(), ""));
  BERTH_RETURN_IF_ERROR(GetString(*j, "WorkingDir", c.mutable_working_dir(), ""));
  BERTH_RETURN_IF_ERROR(GetString(*j, "DetachKeys", c.mutable_detach_keys(), ""));
  b = false;
  BERTH_RETURN_IF_ERROR(GetBool(*j, "Tty", &b, ""));
  c.set_tty(b);
  b = false;
  BERTH_RETURN_IF_ERROR(GetBool(*j, "AttachStdin", &b, ""));
  c.set_attach_stdin(b);
  b = false;
  BERTH_RETURN_IF_ERROR(GetBool(*j, "AttachStdout", &b, ""));
  c.set_attach_stdout(b);
  b = false;
  BERTH_RETURN_IF_ERROR(GetBool(*j, "AttachStderr", &b, ""));
  c.set_attach_stderr(b);
  b = false;
  BERTH_RETURN_IF_ERROR(GetBool(*j, "Privileged", &b, ""));
  c.set_privileged(b);
  return c;
}

absl::StatusOr<ExecStart> ParseExecStartBody(const std::string& body) {
  ExecStart start;
  if (body.empty()) return start;
  absl::StatusOr<json> j = ParseObject(body);
  if (!j.ok()) return j.status();
  BERTH_RETURN_IF_ERROR(GetBool(*j, "Detach", &start.detach, ""));
  if (j->contains("ConsoleSize") && !(*j)["ConsoleSize"].is_null()) {
    const json& size = (*j)["ConsoleSize"];
    if (!size.is_array() || size.size() != 2 || !size[0].is_number_unsigned() ||
        !size[1].is_number_unsigned() || size[0].get<uint64_t>() > 65535 ||
        size[1].get<uint64_t>() > 65535) {
      return absl::InvalidArgumentError(
          "invalid value for ConsoleSize: expected [height, width] of 0..65535");
    }
    start.height = size[0].get<uint32_t>();
    start.width = size[1].get<uint32_t>();
  }
  return start;
}

std::string ExecInspectJson(const v1::ExecInspect& exec) {
  const v1::ExecConfig& c = exec.config();
  nlohmann::ordered_json j;
  j["CanRemove"] = false;
  j["ContainerID"] = exec.container_id();
  j["DetachKeys"] = c.detach_keys();
  j["ExitCode"] = exec.exited() ? nlohmann::ordered_json(exec.exit_code())
                                : nlohmann::ordered_json(nullptr);
  j["ID"] = exec.id();
  j["OpenStderr"] = c.attach_stderr();
  j["OpenStdin"] = c.attach_stdin();
  j["OpenStdout"] = c.attach_stdout();
  nlohmann::ordered_json process;
  process["arguments"] = nlohmann::ordered_json::array();
  for (int i = 1; i < c.cmd_size(); ++i) process["arguments"].push_back(c.cmd(i));
  process["entrypoint"] = c.cmd_size() > 0 ? c.cmd(0) : "";
  process["privileged"] = c.privileged();
  process["tty"] = c.tty();
  process["user"] = c.user();
  j["ProcessConfig"] = process;
  j["Running"] = exec.running();
  j["Pid"] = exec.pid();
  return j.dump();
}

}  // namespace berth::apid::rest
