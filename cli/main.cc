// berth: the command line client of apid. CLI11 wiring only; each verb lives
// in cli/commands/.
#include <functional>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/commands/commands.h"
#include "cli/commands/client.h"

#ifndef BERTH_VERSION
#define BERTH_VERSION "unknown"
#endif
#ifndef BERTH_GIT_COMMIT
#define BERTH_GIT_COMMIT "unknown"
#endif

namespace {

using berth::cli::GlobalOptions;

// The verb chosen on the command line, bound to its parsed options.
using Action = std::function<int()>;

void AddSystemCommands(CLI::App& app, const GlobalOptions& global, Action& action) {
  app.add_subcommand("version", "Show the Berth version information")->callback([&] {
    action = [&] { return berth::cli::RunVersion(global); };
  });
  app.add_subcommand("info", "Display system-wide information")->callback([&] {
    action = [&] { return berth::cli::RunInfo(global); };
  });
  auto* health = app.add_subcommand(
      "health", "Check a Berth gRPC endpoint's health (exit 0 when serving)");
  auto timeout_ms = std::make_shared<int>(2000);
  health->add_option("--timeout-ms", *timeout_ms, "How long to wait for the answer")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  health->callback([&, timeout_ms] {
    action = [&, timeout_ms] { return berth::cli::RunHealth(global, *timeout_ms); };
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A self-sufficient runtime for containers", "berth"};
  app.set_version_flag("-v,--version",
                       std::string("Berth version ") + BERTH_VERSION + ", build " +
                           BERTH_GIT_COMMIT);
  GlobalOptions global;
  global.host = "unix:///run/berth/api.sock";
  app.add_option("-H,--host", global.host, "Daemon socket to connect to")
      ->envname("BERTH_HOST")
      ->capture_default_str();

  Action action;
  AddSystemCommands(app, global, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // Usage errors exit 125 like the docker CLI's flag errors; --help and
    // --version are not errors.
    return code == 0 ? 0 : berth::cli::kExitRunFailed;
  }
  if (!action) {
    std::cout << app.help();
    return 0;
  }
  return action();
}
