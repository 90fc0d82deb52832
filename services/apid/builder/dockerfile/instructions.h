#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/apid/builder/dockerfile/parser.h"

namespace berth::apid::builder::dockerfile {

enum class Kind {
  kFrom, kRun, kCmd, kEntrypoint, kEnv, kArg, kLabel, kExpose, kWorkdir, kUser,
  kCopy, kAdd, kVolume, kStopSignal, kHealthcheck, kShell, kOnbuild, kMaintainer,
};

// Upper-case name as Docker prints it in "Step 1/5 : FROM ...".
std::string KindName(Kind kind);

// A command of RUN, CMD, ENTRYPOINT, SHELL or HEALTHCHECK CMD: exec (JSON) form
// keeps the array; shell form is one string the builder wraps in the SHELL.
struct CommandLine {
  std::vector<std::string> args;
  bool exec_form = false;
};

struct KeyValue {
  std::string key;
  std::string value;     // unexpanded; expanded at dispatch against the environment
  bool has_value = true; // ARG without a default
};

struct HealthcheckSpec {
  bool none = false;                       // HEALTHCHECK NONE
  CommandLine command;                     // the CMD (shell form → CMD-SHELL)
  absl::Duration interval = absl::ZeroDuration();
  absl::Duration timeout = absl::ZeroDuration();
  absl::Duration start_period = absl::ZeroDuration();
  absl::Duration start_interval = absl::ZeroDuration();
  int retries = 0;
};

// One validated instruction. Only the fields of its kind are set; words stay
// unexpanded (variable substitution depends on the build-time environment).
struct Instruction {
  Kind kind = Kind::kRun;
  int line = 0;
  std::string original;         // as written, continuations joined

  std::string image;            // FROM
  std::string stage_name;       // FROM ... AS name (lower-cased)
  std::string platform;         // FROM --platform
  CommandLine command;          // RUN, CMD, ENTRYPOINT, SHELL
  std::string network;          // RUN --network
  std::vector<KeyValue> pairs;  // ENV, LABEL, ARG
  std::vector<std::string> words;  // EXPOSE, VOLUME; COPY/ADD sources
  std::string dest;             // COPY/ADD destination
  std::string from;             // COPY --from
  std::string chown;            // COPY/ADD --chown
  std::string chmod;            // COPY/ADD --chmod
  bool sources_exec_form = false;  // COPY/ADD given as a JSON array (no word splitting)
  std::string value;            // WORKDIR, USER, STOPSIGNAL, MAINTAINER
  HealthcheckSpec healthcheck;  // HEALTHCHECK
  std::string trigger;          // ONBUILD: the trigger's text ("RUN echo hi")
};

// A build stage: FROM and what follows it up to the next FROM.
struct Stage {
  Instruction from;
  std::vector<Instruction> commands;
  std::string name;  // the AS name, or "" (then addressed by index)
};

struct Dockerfile {
  char escape = '\\';
  std::vector<KeyValue> meta_args;  // ARGs before the first FROM
  std::vector<Stage> stages;
  std::vector<std::string> warnings;
};

// Parses one node into an instruction. InvalidArgument with Docker's text,
// without the line prefix (ParseDockerfile adds it).
absl::StatusOr<Instruction> ParseInstruction(const Node& node, char escape);

// Parses a whole Dockerfile into stages. Errors name the line as dockerd does:
// "dockerfile parse error on line 3: unknown instruction: FOO".
absl::StatusOr<Dockerfile> ParseDockerfile(const std::string& text);

// Go's time.ParseDuration ("30s", "1m30s", "1.5h", "300ms"); InvalidArgument otherwise.
absl::StatusOr<absl::Duration> ParseGoDuration(const std::string& text);

}  // namespace berth::apid::builder::dockerfile
