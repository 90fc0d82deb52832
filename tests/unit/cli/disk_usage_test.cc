#include "cli/disk_usage.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

// The docker CLI's numbers: an image is active when a container uses it, and
// what it holds alone (size - shared) is not reclaimable; stopped
// containers' and unused volumes' bytes are.
TEST(DiskUsageTest, TotalsActiveAndReclaimableAsTheDockerCli) {
  v1::DiskUsageResponse usage;
  usage.set_layers_size(6'000'000);
  auto* used = usage.add_images();
  used->mutable_image()->set_size(4'000'000);
  used->set_shared_size(1'000'000);
  used->set_containers(2);
  auto* unused = usage.add_images();
  unused->mutable_image()->set_size(3'000'000);
  unused->set_shared_size(1'000'000);
  auto* running = usage.add_containers();
  running->mutable_container()->mutable_state()->set_status(v1::CONTAINER_STATUS_RUNNING);
  running->set_size_rw(300);
  auto* exited = usage.add_containers();
  exited->mutable_container()->mutable_state()->set_status(v1::CONTAINER_STATUS_EXITED);
  exited->set_size_rw(100);
  v1::Volume* mounted = usage.add_volumes();
  mounted->set_size(2000);
  mounted->add_used_by("abc");
  v1::Volume* dangling = usage.add_volumes();
  dangling->set_size(2000);
  v1::Volume* unknown = usage.add_volumes();
  unknown->set_size(-1);

  EXPECT_EQ(FormatDiskUsage(usage),
            "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n"
            "Images          2         1         6MB       3MB (50%)\n"
            "Containers      2         1         400B      100B (25%)\n"
            "Local Volumes   3         1         4kB       2kB (50%)\n"
            "Build Cache     0         0         0B        0B\n");
}

TEST(DiskUsageTest, NothingStoredShowsZerosWithoutPercentages) {
  EXPECT_EQ(FormatDiskUsage(v1::DiskUsageResponse()),
            "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n"
            "Images          0         0         0B        0B\n"
            "Containers      0         0         0B        0B\n"
            "Local Volumes   0         0         0B        0B\n"
            "Build Cache     0         0         0B        0B\n");
}

}  // namespace
}  // namespace berth::cli
