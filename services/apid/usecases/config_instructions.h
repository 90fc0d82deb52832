#pragma once

// Dockerfile instructions that only change an image's config (ENV, LABEL,
// CMD, ENTRYPOINT, SHELL, EXPOSE, WORKDIR, USER, VOLUME, STOPSIGNAL,
// HEALTHCHECK, ONBUILD), applied the way the builder applies them. Shared by
// the builder's metadata steps and `docker commit --change`.

#include "absl/status/status.h"
#include "berth/v1/types.pb.h"
#include "services/apid/builder/dockerfile/instructions.h"
#include "services/apid/builder/dockerfile/shell_lex.h"

namespace berth::apid {

// Applies `ins` to `config`, its words expanded against `env` with `lex`.
// `cmd_set` says whether a CMD was given since the image's FROM: an
// ENTRYPOINT clears an inherited CMD otherwise; a CMD sets it.
// InvalidArgument for any other instruction kind.
absl::Status ApplyConfigInstruction(const builder::dockerfile::Instruction& ins,
                                    const builder::dockerfile::ShellLex& lex,
                                    const builder::dockerfile::Environment& env,
                                    v1::ImageConfig& config, bool& cmd_set);

}  // namespace berth::apid
