// `berth cp`, `berth export`, `berth diff`, `berth commit`: a container's files.
#pragma once

#include <functional>

#include "CLI/CLI.hpp"
#include "cli/commands/commands.h"

namespace berth::cli {

// Registers the verbs on `app`; a parsed verb stores its entry point in `action`.
void AddFileCommands(CLI::App& app, const GlobalOptions& global, std::function<int()>& action);

}  // namespace berth::cli
