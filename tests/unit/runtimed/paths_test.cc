#include "services/runtimed/paths.h"

#include <sys/un.h>

#include <string>

#include "gtest/gtest.h"

namespace berth::runtimed {
namespace {

const std::string kId(64, 'a');

TEST(PathsTest, ContainerFiles) {
  Paths paths("/var/lib/berth/runtimed", "/run/berth");
  EXPECT_EQ(paths.ContainerDir(kId), "/var/lib/berth/runtimed/containers/" + kId);
  EXPECT_EQ(paths.RecordFile(kId), paths.ContainerDir(kId) + "/record.json");
  EXPECT_EQ(paths.LogFile(kId), paths.ContainerDir(kId) + "/" + kId + "-json.log");
  EXPECT_EQ(paths.ExitFile(kId), paths.ContainerDir(kId) + "/exit.json");
  EXPECT_EQ(paths.RootfsDir(kId), paths.ContainerDir(kId) + "/rootfs");
  EXPECT_EQ(paths.VersionFile(), "/var/lib/berth/runtimed/VERSION");
}

TEST(PathsTest, ShortRunDirKeepsReadableSocketPath) {
  Paths paths("/s", "/run/berth");
  EXPECT_EQ(paths.ShimSocket(kId), "/run/berth/runtimed/" + kId + "/shim.sock");
}

TEST(PathsTest, LongRunDirFallsBackToHashedSocketThatFits) {
  std::string run(60, 'r');
  run = "/" + run;
  Paths paths("/s", run);
  std::string socket = paths.ShimSocket(kId);
  EXPECT_LT(socket.size(), sizeof(sockaddr_un::sun_path));
  EXPECT_EQ(socket.rfind(run + "/runtimed/s/", 0), 0u) << socket;
  // Stable: a restarted runtimed must find the same socket.
  EXPECT_EQ(socket, Paths("/other", run).ShimSocket(kId));
  EXPECT_NE(socket, paths.ShimSocket(std::string(64, 'b')));
}

}  // namespace
}  // namespace berth::runtimed
