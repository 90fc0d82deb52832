// `berth save`, `berth load`, `berth history`, `berth image prune`, `berth search`.
#pragma once

#include <functional>

#include "CLI/CLI.hpp"
#include "cli/commands/commands.h"

namespace berth::cli {

// Registers the verbs on `app`; a parsed one stores its entry point in `action`.
void AddImageStoreCommands(CLI::App& app, const GlobalOptions& global,
                           std::function<int()>& action);

}  // namespace berth::cli
