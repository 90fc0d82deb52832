// `berth events`: the Events RPC printed as `docker events` prints it.
#include <unistd.h>

#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "cli/commands/client.h"
#include "cli/commands/commands.h"
#include "cli/format.h"

namespace berth::cli {
namespace {

// "2024-01-02T03:04:05.000000006Z container start <id> (image=busybox, name=x)"
std::string EventLine(const berth::v1::Event& e) {
  std::map<std::string, std::string> sorted(e.attributes().begin(), e.attributes().end());
  std::string line = absl::StrCat(FormatLogTimestamp(ToAbslTime(e.time())), " ", e.type(), " ",
                                   e.action(), " ", e.id());
  if (!sorted.empty()) {
    absl::StrAppend(&line, " (", absl::StrJoin(sorted, ", ", absl::PairFormatter("=")), ")");
  }
  return line + "\n";
}

}  // namespace

int RunEvents(const GlobalOptions& global, const EventsOptions& options) {
  const absl::Time now = absl::Now();
  berth::v1::EventsApiRequest request;
  for (const auto& [flag, text, field] :
       {std::tuple{"--since", &options.since, 0}, std::tuple{"--until", &options.until, 1}}) {
    if (text->empty()) continue;
    absl::StatusOr<absl::Time> t = ParseTimeArgument(*text, now);
    if (!t.ok()) {
      std::cerr << "berth: " << flag << ": " << t.status().message() << std::endl;
      return kExitError;
    }
    (field == 0 ? request.set_since_unix_nano(absl::ToUnixNanos(*t))
                : request.set_until_unix_nano(absl::ToUnixNanos(*t)));
  }
  for (const std::string& f : options.filters) {
    size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "berth: bad format of filter (expected name=value): " << f << std::endl;
      return kExitError;
    }
    auto* filter = request.add_filters();
    filter->set_key(f.substr(0, eq));
    filter->set_value(f.substr(eq + 1));
  }
  ApiClient client(global.host);
  grpc::ClientContext context;  // follows for as long as the user likes
  auto reader = client.stub().Events(&context, request);
  berth::v1::Event event;
  while (reader->Read(&event)) {
    std::string line = EventLine(event);
    if (!WriteAll(STDOUT_FILENO, line)) {
      context.TryCancel();
      reader->Finish();
      return kExitOk;
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  return kExitOk;
}

}  // namespace berth::cli
