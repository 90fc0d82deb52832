// `berth build`'s options (cli/commands/build.cc).
#pragma once

#include <string>
#include <vector>

namespace berth::cli {

struct BuildOptions {
  std::string context = ".";              // PATH (a directory)
  std::string file;                       // -f: a path, or "-" for stdin
  std::vector<std::string> tags;          // -t (several)
  std::vector<std::string> build_args;    // --build-arg KEY=VALUE (KEY alone: from the env)
  std::vector<std::string> labels;        // --label KEY=VALUE
  std::string target;                     // --target
  bool no_cache = false;                  // --no-cache
  bool quiet = false;                     // -q
  bool pull = false;                      // --pull
  std::string network;                    // --network
  std::string iidfile;                    // --iidfile
  bool rm = true;                         // --rm (default true)
};

}  // namespace berth::cli
