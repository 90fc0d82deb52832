// `berth pause|unpause|top|rename` and `berth container prune`.
#pragma once

#include <functional>

#include "CLI/CLI.hpp"
#include "cli/commands/commands.h"
#include "cli/resource_flags.h"

namespace berth::cli {

// `berth update`: docker update's flags (resource_flags.h, --restart).
struct UpdateFlags {
  std::vector<std::string> containers;
  ResourceFlags resources;
  std::string restart;
};
int RunUpdate(const GlobalOptions& global, const UpdateFlags& flags);

// Registers the verbs on `app`; a parsed one stores its entry point in `action`.
void AddContainerOpsCommands(CLI::App& app, const GlobalOptions& global,
                             std::function<int()>& action);

// docker top's table: columns separated as Go's tabwriter(minwidth 20,
// padding 3) separates them, the last column unpadded. Exposed for tests.
std::string FormatTopTable(const std::vector<std::string>& titles,
                           const std::vector<std::vector<std::string>>& rows);

}  // namespace berth::cli
