// `berth network create|ls|inspect|rm|connect|disconnect`.
#pragma once

#include <functional>

#include "CLI/CLI.hpp"
#include "cli/commands/commands.h"

namespace berth::cli {

// Registers the `network` verb and its subcommands on `app`; a parsed
// subcommand stores its entry point in `action`.
void AddNetworkCommands(CLI::App& app, const GlobalOptions& global,
                        std::function<int()>& action);

}  // namespace berth::cli
