#pragma once

// Backend streams as small interfaces, so that code driving them (REST
// handlers, the gRPC forwards, the event follower) can be tested with fakes.
// Streaming calls have no deadline: they last as long as a container runs or a
// client follows; callers end them with Cancel().

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::apid {

// A server-streaming call.
template <typename Out>
class ReadStream {
 public:
  virtual ~ReadStream() = default;

  // Blocks for the next message. False when the stream has ended (normally,
  // with an error or cancelled); then call Finish() for the outcome.
  virtual bool Read(Out* out) = 0;

  // Ends the call from this side; a blocked Read() returns false. Thread-safe.
  virtual void Cancel() = 0;

  // The final status, after Read() returned false. CANCELLED after Cancel().
  virtual absl::Status Finish() = 0;
};

// A bidirectional call: one thread may Read() while another Write()s.
template <typename In, typename Out>
class BidiStream : public ReadStream<Out> {
 public:
  // Sends one message. False when the call is already over.
  virtual bool Write(const In& in) = 0;

  // Half-closes the sending side (no more Write()s).
  virtual bool WritesDone() = 0;
};

// A client-streaming call with one response.
template <typename In, typename Resp>
class WriteStream {
 public:
  virtual ~WriteStream() = default;

  // Sends one message. False when the call is already over (the server failed
  // it early); Finish() then says why.
  virtual bool Write(const In& in) = 0;

  // Half-closes and waits for the response or the error.
  virtual absl::StatusOr<Resp> Finish() = 0;

  // Abandons the call (e.g. the uploading client went away). Thread-safe.
  virtual void Cancel() = 0;
};

}  // namespace berth::apid
