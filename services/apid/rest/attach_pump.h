#pragma once

// The hijacked half of `docker attach` and an attached `docker exec start`:
// both pump one upgraded connection against one runtimed attach call.

#include "absl/status/status.h"
#include "services/apid/clients/clients.h"
#include "services/apid/rest/http_types.h"

namespace berth::apid::rest {

struct AttachPumpOptions {
  bool want_stdin = false;          // forward the client's bytes as stdin
  bool close_stdin_on_eof = false;  // send close_stdin when the client's input ends
  bool tty = false;                 // output raw (tty) or multiplexed
};

// Until the output ends: the client's bytes go to `stream` on a thread of
// their own, output comes back framed; `ended` half-closes the call so
// runtimed finishes it. A client that goes away cancels the call (a detach:
// the process keeps running). Closes `raw` and returns the call's final
// status (CANCELLED after a detach).
absl::Status PumpAttach(RawStream& raw, AttachStream& stream, const AttachPumpOptions& options);

}  // namespace berth::apid::rest
