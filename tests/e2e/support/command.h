#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace berth::e2e {

struct CommandResult {
  int exit_code = -1;      // 128+signal when killed; -1 when it could not start
  bool timed_out = false;
  std::string out;
  std::string err;
};

struct CommandOptions {
  std::map<std::string, std::string> env;  // added to (or replacing in) the environment
  std::string stdin_data;                  // written to the child's stdin, then closed
  std::chrono::seconds timeout{60};
};

// Runs `command` with /bin/sh -c, capturing stdout and stderr. A command that
// outlives the timeout is killed (its whole process group) and timed_out set.
CommandResult RunShell(const std::string& command, const CommandOptions& options = {});

// Quotes a string for /bin/sh.
std::string ShellQuote(const std::string& s);

// `s` without trailing newlines, carriage returns and spaces (CLI output).
std::string Trimmed(std::string s);

// A whole file as text; "" when it cannot be read.
std::string ReadFileText(const std::string& path);

// A TCP port on 127.0.0.1 that is free right now (the kernel's pick for a
// bind to port 0); 0 when no socket could be made.
int FreePort();

}  // namespace berth::e2e
