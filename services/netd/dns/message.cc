#include "services/netd/dns/message.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace berth::netd::dns {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr size_t kMaxName = 253;

uint16_t Read16(const std::string& p, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[at]) << 8) | static_cast<uint8_t>(p[at + 1]));
}

void Append16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

absl::Status Bad(const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("bad DNS query: ", why));
}

}  // namespace

uint16_t PacketId(const std::string& packet) {
  return packet.size() < 2 ? 0 : Read16(packet, 0);
}

absl::StatusOr<Query> ParseQuery(const std::string& p) {
  if (p.size() < kHeaderSize) return Bad("shorter than a header");
  Query q;
  q.id = Read16(p, 0);
  const uint16_t flags = Read16(p, 2);
  if (flags & 0x8000) return Bad("not a query (QR set)");
  if (((flags >> 11) & 0xf) != 0) return Bad("opcode is not QUERY");
  q.recursion_desired = (flags & 0x0100) != 0;
  if (Read16(p, 4) != 1) return Bad("want exactly one question");
  if (Read16(p, 6) != 0 || Read16(p, 8) != 0) return Bad("answer or authority records present");
  if (Read16(p, 10) > 1) return Bad("more than one additional record");
  size_t at = kHeaderSize;
  std::string name;
  while (true) {
    if (at >= p.size()) return Bad("name runs past the end");
    const uint8_t len = static_cast<uint8_t>(p[at]);
    if ((len & 0xc0) != 0) return Bad("compression or extended label in the question");
    ++at;
    if (len == 0) break;
    if (at + len > p.size()) return Bad("label runs past the end");
    if (!name.empty()) name.push_back('.');
    name.append(p, at, len);
    if (name.size() > kMaxName) return Bad("name longer than 253");
    at += len;
  }
  if (at + 4 > p.size()) return Bad("question type/class missing");
  q.qtype = Read16(p, at);
  q.qclass = Read16(p, at + 2);
  at += 4;
  q.question = p.substr(kHeaderSize, at - kHeaderSize);
  q.name = absl::AsciiStrToLower(name);
  return q;
}

std::string BuildResponse(const Query& query, uint8_t rcode,
                          const std::vector<uint32_t>& ipv4_addresses) {
  std::string out;
  Append16(out, query.id);
  // QR, AA, RD echoed, RA; RCODE.
  uint16_t flags = 0x8000 | 0x0400 | 0x0080 | (rcode & 0xf);
  if (query.recursion_desired) flags |= 0x0100;
  Append16(out, flags);
  Append16(out, 1);
  Append16(out, static_cast<uint16_t>(ipv4_addresses.size()));
  Append16(out, 0);
  Append16(out, 0);
  out += query.question;
  for (uint32_t ip : ipv4_addresses) {
    Append16(out, 0xc00c);  // pointer to the question's name
    Append16(out, kTypeA);
    Append16(out, kClassIn);
    Append16(out, 0);
    Append16(out, 600);  // TTL
    Append16(out, 4);
    Append16(out, static_cast<uint16_t>(ip >> 16));
    Append16(out, static_cast<uint16_t>(ip & 0xffff));
  }
  return out;
}

std::string BuildFormatError(const std::string& packet) {
  if (packet.size() < 2) return "";
  std::string out;
  Append16(out, PacketId(packet));
  Append16(out, 0x8000 | kRcodeFormErr);
  for (int i = 0; i < 4; ++i) Append16(out, 0);
  return out;
}

}  // namespace berth::netd::dns
