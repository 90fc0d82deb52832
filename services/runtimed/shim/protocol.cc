#include "services/runtimed/shim/protocol.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::runtimed::shim {
namespace {

constexpr size_t kHeaderSize = 5;

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>((v >> 24) & 0xff));
  out.push_back(static_cast<char>((v >> 16) & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}

uint32_t GetU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

// Number of arguments each command takes.
const std::map<std::string, size_t>& CommandArity() {
  static const auto* arity = new std::map<std::string, size_t>{
      {"START", 0}, {"ATTACH", 3}, {"RESIZE", 2}, {"KILL", 1}, {"STATE", 0}, {"WAIT", 0}};
  return *arity;
}

}  // namespace

std::string EncodeFrame(FrameType type, const std::string& payload) {
  std::string out;
  out.reserve(kHeaderSize + payload.size());
  out.push_back(static_cast<char>(type));
  PutU32(out, static_cast<uint32_t>(payload.size()));
  out.append(payload);
  return out;
}

std::string EncodeResizeFrame(uint32_t height, uint32_t width) {
  std::string payload;
  PutU32(payload, height);
  PutU32(payload, width);
  return EncodeFrame(kFrameResize, payload);
}

absl::StatusOr<std::optional<Frame>> FrameDecoder::Next() {
  if (buffer_.size() < kHeaderSize) return std::nullopt;
  auto type = static_cast<uint8_t>(buffer_[0]);
  if (type > kFrameResize) {
    return absl::InvalidArgumentError(absl::StrCat("unknown frame type ", type));
  }
  uint32_t length = GetU32(buffer_.data() + 1);
  if (length > kMaxFramePayload) {
    return absl::InvalidArgumentError(absl::StrCat("frame too large: ", length, " bytes"));
  }
  if (buffer_.size() < kHeaderSize + length) return std::nullopt;
  Frame frame{static_cast<FrameType>(type), buffer_.substr(kHeaderSize, length)};
  buffer_.erase(0, kHeaderSize + length);
  return frame;
}

absl::StatusOr<std::pair<uint32_t, uint32_t>> DecodeResize(const std::string& payload) {
  if (payload.size() != 8) {
    return absl::InvalidArgumentError("resize frame must carry 8 bytes");
  }
  return std::make_pair(GetU32(payload.data()), GetU32(payload.data() + 4));
}

std::string FormatRequest(const std::string& command, const std::vector<std::string>& args) {
  std::string line = absl::StrCat(kProtocolVersion, " ", command);
  for (const auto& arg : args) absl::StrAppend(&line, " ", arg);
  line.push_back('\n');
  return line;
}

absl::StatusOr<Request> ParseRequest(const std::string& line) {
  std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (words.empty() || words[0] != kProtocolVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported protocol version in '", line, "' (want ", kProtocolVersion, ")"));
  }
  if (words.size() < 2) return absl::InvalidArgumentError("missing command");
  Request request{words[1], {words.begin() + 2, words.end()}};
  auto it = CommandArity().find(request.command);
  if (it == CommandArity().end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown command '", request.command, "'"));
  }
  if (request.args.size() != it->second) {
    return absl::InvalidArgumentError(absl::StrCat("command ", request.command, " takes ",
                                                   it->second, " arguments"));
  }
  return request;
}

absl::StatusOr<std::string> ParseReply(const std::string& line) {
  if (line == "OK") return std::string();
  if (absl::StartsWith(line, "OK ")) return line.substr(3);
  if (absl::StartsWith(line, "ERR ")) {
    std::string message = line.substr(4);
    if (absl::StartsWith(message, "exec:")) return absl::InvalidArgumentError(message);
    return absl::FailedPreconditionError(message);
  }
  return absl::InternalError(absl::StrCat("malformed shim reply '", line, "'"));
}

}  // namespace berth::runtimed::shim
