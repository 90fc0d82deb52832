#pragma once

// A minimal busybox root filesystem tarball, built in memory from the host's
// static busybox (Debian's busybox-static), for tests that run it.

#include <string>

#include "common/fs/fs.h"
#include "tests/unit/imaged/test_util.h"

namespace berth::imaged::testing {

inline constexpr char kHostBusybox[] = "/bin/busybox";

// Empty when the host has no busybox.
inline std::string BusyboxRootfsTar(Compression compression = Compression::kGzip) {
  auto busybox = fs::ReadFile(kHostBusybox);
  if (!busybox.ok()) return "";
  TarEntry tmp = Dir("tmp", 01777);
  return BuildTar({Dir("bin"), File("bin/busybox", *busybox, 0755), Symlink("bin/sh", "busybox"),
                   Symlink("bin/cat", "busybox"), Symlink("bin/ls", "busybox"), Dir("etc"),
                   File("etc/hostname", "berth-image\n"), tmp},
                  compression);
}

}  // namespace berth::imaged::testing
