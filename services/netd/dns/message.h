#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

// The few DNS messages the embedded server reads and writes (RFC 1035): one
// question in, A answers out. Pure and strict: anything else in a query is
// refused. c-ares (1.18 on Debian 12) parses replies only and ldns is not
// installed, so this small parser is Berth's own; it never follows
// compression pointers in a query, which is where parsers go wrong.
namespace berth::netd::dns {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeAaaa = 28;
inline constexpr uint16_t kClassIn = 1;
inline constexpr uint8_t kRcodeNoError = 0;
inline constexpr uint8_t kRcodeFormErr = 1;
inline constexpr uint8_t kRcodeServFail = 2;
inline constexpr uint8_t kRcodeNxDomain = 3;

struct Query {
  uint16_t id = 0;
  bool recursion_desired = false;
  std::string name;  // lowercase, dotted, without the trailing dot
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  std::string question;  // the question section as received, for the answer
};

// InvalidArgument for a message that is not a standard query with exactly
// one question (QR set, another opcode, truncated, bad labels, a pointer in
// the name, answers or authority records present). An EDNS OPT record in the
// additional section is allowed and ignored.
absl::StatusOr<Query> ParseQuery(const std::string& packet);

// An answer to `query`: the question echoed, then one A record per address
// (TTL 600), authoritative, recursion available.
std::string BuildResponse(const Query& query, uint8_t rcode,
                          const std::vector<uint32_t>& ipv4_addresses);

// A bare error answer to a message that could not be parsed but has at
// least an id (FORMERR), or "" when it is too short to answer.
std::string BuildFormatError(const std::string& packet);

// The transaction id of a packet (0 when shorter than 2 bytes).
uint16_t PacketId(const std::string& packet);

}  // namespace berth::netd::dns
