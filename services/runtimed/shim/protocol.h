// The berth-shim control protocol, version 1 ("v1"), spoken on
// <run_dir>/runtimed/<id>/shim.sock (a SOCK_STREAM unix socket).
//
// Every connection starts with one request line from the client:
//
//   v1 START                       release the container process (exec it)
//                                  → "OK <pid>" or "ERR <executor text>"
//   v1 ATTACH <in> <out> <err>     each 0|1; → "OK", then frames both ways
//   v1 RESIZE <height> <width>     pty size (no-op without a tty) → "OK"
//   v1 KILL <signo>                signal the container's init → "OK" / "ERR ..."
//   v1 STATE                       → "OK <created|running|exited> <pid> <exit_code>"
//   v1 WAIT                        → once the container has exited and its
//                                  output is drained:
//                                  "OK <exit_code> <finished_unix_nano> <oom 0|1>"
//
// Every reply is one line: "OK[ <data>]\n" or "ERR <message>\n". After the reply
// the shim closes the connection, except for ATTACH, which then carries frames:
//
//   frame = type (1 byte) | length (u32, big-endian) | payload (length bytes)
//   shim → client:  kFrameStdout, kFrameStderr  (output chunks)
//   client → shim:  kFrameStdin (data), kFrameCloseStdin (no payload),
//                   kFrameResize (payload: height u32 BE, width u32 BE)
//
// The shim closes an attach connection once the container has exited and all
// of its output was sent: that end of stream is how attachers learn the end.
// A stdin close (or the disconnect of an attacher that asked for stdin) closes
// the container's stdin only when the container has stdin_once and no tty,
// following dockerd.
//
// Besides the socket, the shim reports its setup on the readiness fd
// (kReadyFd) that its launcher passes: one line, "CREATED <pid>\n" (the
// container process is set up and waits for START) or "ERROR <text>\n".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::runtimed::shim {

inline constexpr char kProtocolVersion[] = "v1";
// The fd on which the shim writes its one-line readiness report.
inline constexpr int kReadyFd = 3;
// Upper bound for one frame's payload; larger writes are split.
inline constexpr uint32_t kMaxFramePayload = 1 << 20;

enum FrameType : uint8_t {
  kFrameStdin = 0,
  kFrameStdout = 1,
  kFrameStderr = 2,
  kFrameCloseStdin = 3,
  kFrameResize = 4,
};

struct Frame {
  FrameType type = kFrameStdout;
  std::string payload;
};

// Serializes a frame (header + payload).
std::string EncodeFrame(FrameType type, const std::string& payload);
std::string EncodeResizeFrame(uint32_t height, uint32_t width);

// Incremental decoder: feed bytes as they arrive, pop complete frames.
class FrameDecoder {
 public:
  void Feed(const char* data, size_t size) { buffer_.append(data, size); }
  // The next complete frame, or nullopt when more bytes are needed.
  // InvalidArgument on an unknown type or an oversized length (the stream is
  // then unusable).
  absl::StatusOr<std::optional<Frame>> Next();

 private:
  std::string buffer_;
};

// Decodes a resize payload into (height, width). InvalidArgument if malformed.
absl::StatusOr<std::pair<uint32_t, uint32_t>> DecodeResize(const std::string& payload);

// A parsed request line.
struct Request {
  std::string command;            // "START", "ATTACH", ...
  std::vector<std::string> args;  // the remaining words
};

// Builds "v1 <command> <args...>\n".
std::string FormatRequest(const std::string& command, const std::vector<std::string>& args = {});
// Parses a request line (without "\n"). InvalidArgument on a wrong version or
// an unknown command or argument count.
absl::StatusOr<Request> ParseRequest(const std::string& line);

// Parses a reply line (without "\n"): "OK[ data]" → data; "ERR msg" → an
// error status with msg as text (InvalidArgument when msg starts with
// "exec:", else FailedPrecondition); anything else → Internal.
absl::StatusOr<std::string> ParseReply(const std::string& line);

}  // namespace berth::runtimed::shim
