#include "services/runtimed/shim/init_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace berth::runtimed::shim {

void SendMessage(int fd, char kind, const std::string& text) {
  std::string msg(1, kind);
  msg += text;
  (void)send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
}

void Fail(int sync_fd, const absl::Status& status) {
  SendMessage(sync_fd, 'E', std::string(status.message()));
  _exit(1);
}

bool Expect(int fd, char kind) {
  char c = 0;
  ssize_t n;
  do {
    n = recv(fd, &c, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n == 1 && c == kind;
}

}  // namespace berth::runtimed::shim
