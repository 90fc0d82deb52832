// Registries through the real docker CLI against a private stack and Debian's
// docker-registry started by the test on a free 127.0.0.1 port (config and
// filesystem storage in the stack's temp dir, stopped in TearDown): tag, push,
// rmi, pull back (same image id), a second pull that changes nothing, `docker
// run` of an image only in the registry, a registry serving a corrupted layer
// refused with nothing half-stored, and docker.io refused by the stack's
// loopback-only allow-list before any network access.
#include <chrono>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/registry.h"
#include "tests/e2e/support/stack.h"

namespace berth::e2e {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    if (!LocalRegistry::Available()) GTEST_SKIP() << "docker-registry is not installed";
    std::string error;
    stack_ = Stack::StartWithBusybox(&error);
    ASSERT_NE(stack_, nullptr) << error;
    registry_dir_ = stack_->root() + "/registry";
    local_registry_ = LocalRegistry::Start(registry_dir_, "", &error);
    ASSERT_NE(local_registry_, nullptr) << error;
    registry_ = local_registry_->address();
    image_ = registry_ + "/test/busybox:1";
  }

  void TearDown() override {
    local_registry_.reset();
    stack_.reset();
  }

  std::string Id(const std::string& ref) {
    CommandResult id = stack_->Docker("image inspect -f '{{.Id}}' " + ref);
    EXPECT_EQ(id.exit_code, 0) << id.err;
    return id.out;
  }

  // Pushes busybox as image_ and removes every local tag of it.
  std::string PushAndRemove() {
    std::string id = Id("busybox:latest");
    CommandResult tagged = stack_->Docker("tag busybox:latest " + image_);
    EXPECT_EQ(tagged.exit_code, 0) << tagged.out << tagged.err;
    CommandResult pushed = stack_->Docker("push " + image_);
    EXPECT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err;
    EXPECT_THAT(pushed.out, HasSubstr("1: digest: sha256:"));
    CommandResult removed = stack_->Docker("rmi " + image_ + " busybox:latest");
    EXPECT_EQ(removed.exit_code, 0) << removed.out << removed.err;
    return id;
  }

  std::string ImagedTmp() {
    return stack_->Shell("ls -A " + stack_->root() + "/lib/imaged/tmp").out;
  }

  std::unique_ptr<Stack> stack_;
  std::unique_ptr<LocalRegistry> local_registry_;
  std::string registry_;
  std::string registry_dir_;
  std::string image_;
};

TEST_F(RegistryTest, PushRemovePullBackSameImageAndRun) {
  std::string id = PushAndRemove();
  ASSERT_NE(id, "");
  CommandResult pulled = stack_->Docker("pull " + image_);
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;
  EXPECT_THAT(pulled.out, HasSubstr("Pull complete"));
  EXPECT_THAT(pulled.out, HasSubstr("Status: Downloaded newer image for " + image_));
  EXPECT_EQ(Id(image_), id);
  // A second pull changes nothing.
  CommandResult again = stack_->Docker("pull " + image_);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_THAT(again.out, HasSubstr("Status: Image is up to date for " + image_));
  EXPECT_THAT(again.out, Not(HasSubstr("Pull complete")));
  CommandResult ran = stack_->Docker("run --rm " + image_ + " echo pulled-and-ran");
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  EXPECT_THAT(ran.out, HasSubstr("pulled-and-ran"));
  EXPECT_EQ(ImagedTmp(), "");
}

TEST_F(RegistryTest, RunOfImageOnlyInRegistryPullsFirst) {
  std::string id = PushAndRemove();
  CommandResult ran = stack_->Docker("run --rm " + image_ + " echo from-registry");
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  EXPECT_THAT(ran.out, HasSubstr("from-registry"));
  EXPECT_THAT(ran.err, HasSubstr("Unable to find image"));
  EXPECT_EQ(Id(image_), id);
}

TEST_F(RegistryTest, CorruptedLayerIsRefusedAndNothingIsStored) {
  PushAndRemove();
  // The layer is the largest blob; flip bytes in the middle of it on the
  // registry's disk (the registry serves it without checking).
  CommandResult corrupt = RunShell(
      "f=$(find " + registry_dir_ + "/data -path '*/blobs/sha256/*/data' -type f -printf "
      "'%s %p\\n' | sort -n | tail -1 | cut -d' ' -f2); "
      "printf 'XXXXXXXX' | dd of=\"$f\" bs=1 seek=4096 conv=notrunc status=none");
  ASSERT_EQ(corrupt.exit_code, 0) << corrupt.err;
  std::string images_before =
      stack_->Docker("images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'").out;
  CommandResult pulled = stack_->Docker("pull " + image_);
  EXPECT_NE(pulled.exit_code, 0) << pulled.out;
  EXPECT_THAT(pulled.out + pulled.err,
              testing::AnyOf(HasSubstr("verification failed"), HasSubstr("unpacks to")));
  EXPECT_EQ(stack_->Docker("images --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'").out,
            images_before);
  EXPECT_EQ(ImagedTmp(), "");
}

TEST_F(RegistryTest, BerthTagPushPullRoundTrip) {
  std::string id = Id("busybox:latest");
  std::string image = registry_ + "/berth/busybox:2";
  CommandResult tagged = stack_->Berth("tag busybox:latest " + image);
  ASSERT_EQ(tagged.exit_code, 0) << tagged.out << tagged.err;
  CommandResult pushed = stack_->Berth("push " + image);
  ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err;
  EXPECT_THAT(pushed.out, HasSubstr("2: digest: sha256:"));
  // Not a terminal: plain "<id>: <status>" lines, no bars, no byte counts.
  EXPECT_THAT(pushed.out, ContainsRegex("[0-9a-f]{12}: Pushed\n"));
  EXPECT_THAT(pushed.out, Not(HasSubstr("\033")));
  EXPECT_THAT(pushed.out, Not(HasSubstr("Pushing")));
  ASSERT_EQ(stack_->Berth("rmi " + image + " busybox:latest").exit_code, 0);
  CommandResult pulled = stack_->Berth("pull " + image);
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;
  EXPECT_THAT(pulled.out, HasSubstr("Status: Downloaded newer image for " + image));
  EXPECT_THAT(pulled.out, ContainsRegex("[0-9a-f]{12}: Pull complete\n"));
  EXPECT_THAT(pulled.out, Not(HasSubstr("\033")));
  EXPECT_THAT(pulled.out, Not(HasSubstr("Downloading")));
  EXPECT_EQ(Id(image), id);
  CommandResult refused = stack_->Berth("pull busybox");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("is not allowed"));
}

TEST_F(RegistryTest, DockerHubIsRefusedAtOnceByTheLoopbackAllowList) {
  auto start = std::chrono::steady_clock::now();
  CommandResult pulled = stack_->Docker("pull busybox:1.36");
  EXPECT_NE(pulled.exit_code, 0);
  EXPECT_THAT(pulled.err, HasSubstr("is not allowed (imaged flag --allowed_registries"));
  CommandResult ran = stack_->Docker("run --rm alpine:3 true");
  EXPECT_NE(ran.exit_code, 0);
  EXPECT_THAT(ran.err, HasSubstr("is not allowed"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// docker-py (Debian's python3-docker) as a third client: tag, push with its
// decoded progress stream, remove, pull back (same id), list by name.
TEST_F(RegistryTest, DockerPyTagPushPullList) {
  const std::string id = Trimmed(Id("busybox:latest"));
  const std::string repo = registry_ + "/py/busybox";
  const std::string script =
      "import sys, docker\n"
      "c = docker.DockerClient(base_url=sys.argv[1])\n"
      "repo = sys.argv[2]\n"
      "assert c.images.get('busybox:latest').tag(repo, 'py')\n"
      "lines = list(c.images.push(repo, tag='py', stream=True, decode=True))\n"
      "assert not any('error' in l for l in lines), lines\n"
      "print('pushed', [l['aux']['Digest'] for l in lines if 'aux' in l] or\n"
      "      [l['status'] for l in lines if 'digest:' in l.get('status', '')])\n"
      "c.images.remove(repo + ':py')\n"
      "assert not c.images.list(name=repo), 'still listed'\n"
      "img = c.images.pull(repo, tag='py')\n"
      "print('pulled', img.id, img.tags)\n"
      "print('listed', [i.id for i in c.images.list(name=repo)])\n";
  CommandResult flow = stack_->Shell("/usr/bin/python3 -c " + ShellQuote(script) + " " +
                                         stack_->docker_host() + " " + repo,
                                     {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(flow.exit_code, 0) << flow.out << flow.err;
  EXPECT_THAT(flow.out, HasSubstr("pushed ["));
  EXPECT_THAT(flow.out, HasSubstr("sha256:"));
  // The same image as busybox:latest (still tagged), now also repo:py.
  EXPECT_THAT(flow.out, ContainsRegex("pulled " + id + " \\[[^]]*'" + repo + ":py'"));
  EXPECT_THAT(flow.out, HasSubstr("listed ['" + id + "']"));
}

}  // namespace
}  // namespace berth::e2e
