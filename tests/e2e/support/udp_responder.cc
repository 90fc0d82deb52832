// A UDP responder for e2e tests, linked statically so it runs in a busybox
// container (bind-mounted in): Debian's busybox nc has no -u, and busybox
// has no UDP server applet at all.
//
//   udp-responder echo [IP:]PORT  answers each datagram with "echo:" + it,
//                                 and prints it on stdout
//   udp-responder dns [IP:]PORT A.B.C.D
//                                 answers each DNS A query with A.B.C.D for
//                                 the asked name (any name), other types
//                                 with an empty NOERROR
//
// Serves until killed. Only ever replies to the sender.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

// The query's header and question, turned into an answer with one A record
// (a pointer to the question's name). "" for a packet that is not a
// one-question query.
std::string DnsAnswer(const std::string& query, in_addr address) {
  if (query.size() < 12 || (query[2] & 0x80) != 0) return "";
  size_t at = 12;
  while (at < query.size() && query[at] != 0) at += 1 + static_cast<unsigned char>(query[at]);
  if (at + 5 > query.size()) return "";
  std::string reply = query.substr(0, at + 5);
  const bool type_a = query[at + 1] == 0 && query[at + 2] == 1;
  reply[2] = static_cast<char>(0x81);  // QR, RD
  reply[3] = static_cast<char>(0x80);  // RA, NOERROR
  reply[6] = 0;
  reply[7] = type_a ? 1 : 0;  // ANCOUNT: only A records exist here
  reply[8] = reply[9] = reply[10] = reply[11] = 0;
  if (!type_a) return reply;
  const unsigned char record[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
  reply.append(reinterpret_cast<const char*>(record), sizeof(record));
  reply.append(reinterpret_cast<const char*>(&address.s_addr), 4);
  return reply;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || (std::strcmp(argv[1], "echo") != 0 && std::strcmp(argv[1], "dns") != 0)) {
    std::fprintf(stderr, "usage: udp-responder echo [IP:]PORT | dns [IP:]PORT A.B.C.D\n");
    return 2;
  }
  const bool dns = std::strcmp(argv[1], "dns") == 0;
  in_addr address{};
  if (dns && (argc < 4 || ::inet_pton(AF_INET, argv[3], &address) != 1)) {
    std::fprintf(stderr, "udp-responder: dns needs an IPv4 address\n");
    return 2;
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in self{};
  self.sin_family = AF_INET;
  // "[IP:]PORT": on a user network 127.0.0.11:53 is the embedded DNS's, so a
  // wildcard bind of port 53 fails there.
  std::string where = argv[2];
  const size_t colon = where.find(':');
  if (colon != std::string::npos &&
      ::inet_pton(AF_INET, where.substr(0, colon).c_str(), &self.sin_addr) != 1) {
    std::fprintf(stderr, "udp-responder: bad address %s\n", argv[2]);
    return 2;
  }
  self.sin_port = htons(static_cast<uint16_t>(
      std::atoi(where.c_str() + (colon == std::string::npos ? 0 : colon + 1))));
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&self), sizeof(self)) != 0) {
    std::perror("udp-responder: bind");
    return 1;
  }
  std::printf("listening\n");
  std::fflush(stdout);
  for (;;) {
    char buf[2048];
    sockaddr_in peer{};
    socklen_t peer_len = sizeof(peer);
    ssize_t n = ::recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&peer), &peer_len);
    if (n < 0) continue;
    const std::string packet(buf, static_cast<size_t>(n));
    std::string reply;
    if (dns) {
      reply = DnsAnswer(packet, address);
      std::printf("query of %zd bytes\n", n);
    } else {
      reply = "echo:" + packet;
      std::printf("got %zd bytes: %s\n", n, packet.c_str());
    }
    std::fflush(stdout);
    if (!reply.empty()) {
      (void)::sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer),
                     peer_len);
    }
  }
}
