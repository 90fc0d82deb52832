#include "services/runtimed/shim/fd_passing.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace berth::runtimed::shim {
namespace {

TEST(FdPassingTest, MessageAndDescriptorArriveTogether) {
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
  fs::ScopedFd a(pair[0]), b(pair[1]);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  fs::ScopedFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);

  ASSERT_TRUE(SendWithFd(a.get(), "P", write_end.get(), "test message").ok());
  auto received = ReceiveWithFd(b.get(), "test message");
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(received->data, "P");
  ASSERT_TRUE(received->fd.valid());
  EXPECT_NE(fcntl(received->fd.get(), F_GETFD) & FD_CLOEXEC, 0);
  // The received descriptor is the pipe's write end: what goes in comes out.
  ASSERT_EQ(write(received->fd.get(), "x", 1), 1);
  char c = 0;
  ASSERT_EQ(read(read_end.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

TEST(FdPassingTest, PlainMessageHasNoDescriptorAndCloseIsEmpty) {
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
  fs::ScopedFd a(pair[0]), b(pair[1]);
  ASSERT_EQ(send(a.get(), "R", 1, 0), 1);
  auto received = ReceiveWithFd(b.get(), "test message");
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(received->data, "R");
  EXPECT_FALSE(received->fd.valid());

  a = fs::ScopedFd();
  received = ReceiveWithFd(b.get(), "test message");
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_TRUE(received->data.empty());
}

TEST(FdPassingTest, ErrorsAreReported) {
  EXPECT_FALSE(ReceiveWithFd(-1, "test message").ok());
}

}  // namespace
}  // namespace berth::runtimed::shim
