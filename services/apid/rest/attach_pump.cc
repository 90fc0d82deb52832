#include "services/apid/rest/attach_pump.h"

#include <mutex>
#include <string>
#include <thread>

#include "services/apid/rest/frames.h"

namespace berth::apid::rest {
namespace {

constexpr size_t kStdinChunk = 32 * 1024;

}  // namespace

absl::Status PumpAttach(RawStream& raw, AttachStream& stream, const AttachPumpOptions& options) {
  // Writes to runtimed's call come from the input thread and, once, from the
  // output loop (the half-close after `ended`); they must not overlap.
  std::mutex write_mu;
  bool writes_done = false;  // guarded by write_mu
  auto write = [&](const v1::AttachInput& in) {
    std::lock_guard<std::mutex> lock(write_mu);
    return !writes_done && stream.Write(in);
  };
  std::thread input([&] {
    while (true) {
      std::string data = raw.Read(kStdinChunk);
      if (data.empty()) break;
      if (!options.want_stdin) continue;
      v1::AttachInput in;
      in.set_stdin(std::move(data));
      if (!write(in)) return;
    }
    if (options.close_stdin_on_eof) {
      v1::AttachInput in;
      in.set_close_stdin(true);
      write(in);
    }
  });
  v1::AttachOutput out;
  while (stream.Read(&out)) {
    if (out.ended()) {
      // The output is over: half-close so runtimed ends the call with OK now.
      std::lock_guard<std::mutex> lock(write_mu);
      if (!writes_done) stream.WritesDone();
      writes_done = true;
      continue;
    }
    if (!out.has_output()) continue;
    if (!raw.Write(EncodeOutput(out.output(), options.tty, false))) {
      stream.Cancel();  // the client is gone: a detach
      break;
    }
  }
  // End of output: closing the connection tells the client.
  raw.Close();
  input.join();
  return stream.Finish();
}

}  // namespace berth::apid::rest
