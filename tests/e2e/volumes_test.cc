// Volumes and mounts on a private stack, through the real docker CLI, berth
// and docker-py: a named volume shared between containers and kept across a
// berth-down/berth-up, read-only and read-write binds seen from the host, a
// volume in use refused (409) until its container goes, an image VOLUME
// creating an anonymous volume filled from the image (owner and mode kept)
// that `rm -v` removes, --tmpfs, label filters, and an image whose mount
// target is a symlink to the host. Each TEST is its own ctest entry.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

namespace stdfs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;



class VolumesTest : public BusyboxStackTest {
 protected:
  // A fresh host directory inside the stack's root (removed with it).
  std::string HostDir(const std::string& name) {
    std::string dir = stack_->root() + "/host-" + name;
    stdfs::create_directories(dir);
    return dir;
  }
  // HTTP status of a raw request to the stack's Docker socket.
  std::string HttpCode(const std::string& method, const std::string& path) {
    std::string socket = stack_->docker_host().substr(std::string("unix://").size());
    return Trimmed(stack_->Shell("curl -s -o /dev/null -w '%{http_code}' --unix-socket " +
                                 ShellQuote(socket) + " -X " + method +
                                 " http://localhost/v1.41" + path)
                       .out);
  }
  // The busybox rootfs plus `twist` (a shell command run in the rootfs dir),
  // imported with `change` as `image`.
  void ImportTwisted(const std::string& image, const std::string& twist,
                     const std::string& change) {
    std::string work = stack_->root() + "/build-" + image.substr(0, image.find(':'));
    CommandResult made = stack_->Shell(
        "set -e; mkdir -p " + work + "/rootfs; tar -C " + work + "/rootfs -xf " +
        stack_->BusyboxTar() + "; cd " + work + "/rootfs; " + twist +
        "; tar --numeric-owner -C " + work + "/rootfs -cf " + work + "/image.tar .");
    ASSERT_EQ(made.exit_code, 0) << made.err;
    std::string changes = change.empty() ? "" : "--change " + ShellQuote(change) + " ";
    CommandResult imported =
        stack_->Docker("import " + changes + work + "/image.tar " + image);
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }
};

TEST_F(VolumesTest, NamedVolumeIsSharedBetweenContainersAndSurvivesAStackRestart) {
  CommandResult created = stack_->Docker("volume create --label team=blue e2e-data");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(Trimmed(created.out), "e2e-data");
  ASSERT_EQ(stack_->Berth("volume create --label team=red e2e-other").exit_code, 0);

  CommandResult write = stack_->Docker(
      "run --rm -v e2e-data:/data busybox sh -c 'echo written-by-docker > /data/note'");
  ASSERT_EQ(write.exit_code, 0) << write.err;
  CommandResult read = stack_->Berth("run --rm -v e2e-data:/data busybox cat /data/note");
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(read.out, "written-by-docker\n");

  // Label filters (docker and berth), inspect's fields.
  std::string blue = stack_->Docker("volume ls -q --filter label=team=blue").out;
  EXPECT_EQ(blue, "e2e-data\n");
  EXPECT_EQ(stack_->Berth("volume ls -q --filter label=team=red").out, "e2e-other\n");
  EXPECT_EQ(stack_->Docker("volume ls -q --filter label=team=green").out, "");
  std::string both = stack_->Docker("volume ls -q --filter label=team").out;
  EXPECT_THAT(both, HasSubstr("e2e-data"));
  EXPECT_THAT(both, HasSubstr("e2e-other"));
  std::string mountpoint = Trimmed(
      stack_->Docker("volume inspect -f '{{.Mountpoint}} {{.Driver}} {{.Labels.team}}' e2e-data")
          .out);
  EXPECT_THAT(mountpoint, HasSubstr("/volumes/e2e-data/_data local blue"));
  EXPECT_EQ(ReadFileText(mountpoint.substr(0, mountpoint.find(' ')) + "/note"), "written-by-docker\n");

  // berth-down (containers go, state stays), then berth-up: the data is there.
  CommandResult down = stack_->Shell(Stack::SourceDir() + "/deploy/berth-down --root " +
                                     ShellQuote(stack_->root()));
  ASSERT_EQ(down.exit_code, 0) << down.err;
  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;
  CommandResult again = stack_->Docker("run --rm -v e2e-data:/data busybox cat /data/note");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "written-by-docker\n");
  EXPECT_EQ(stack_->Docker("volume ls -q --filter label=team=blue").out, "e2e-data\n");
}

TEST_F(VolumesTest, BindMountsReadOnlyRefusesWritesReadWriteShowsOnTheHost) {
  std::string host = HostDir("bind");
  std::ofstream(host + "/in") << "from-host\n";
  CommandResult ro = stack_->Docker("run --rm -v " + host +
                                    ":/data:ro busybox sh -c 'cat /data/in; echo x > /data/out'");
  EXPECT_NE(ro.exit_code, 0);
  EXPECT_EQ(ro.out, "from-host\n");
  EXPECT_THAT(ro.err, HasSubstr("Read-only file system"));
  EXPECT_FALSE(stdfs::exists(host + "/out"));

  CommandResult rw = stack_->Berth("run --rm -v " + host +
                                   ":/data busybox sh -c 'echo from-container > /data/out'");
  ASSERT_EQ(rw.exit_code, 0) << rw.err;
  EXPECT_EQ(ReadFileText(host + "/out"), "from-container\n");

  // -v makes a missing host dir; --mount refuses it, as Docker does.
  std::string missing = stack_->root() + "/host-made-by-v";
  ASSERT_EQ(stack_->Docker("run --rm -v " + missing + ":/m busybox true").exit_code, 0);
  EXPECT_TRUE(stdfs::is_directory(missing));
  CommandResult refused = stack_->Docker("run --rm --mount type=bind,src=" + stack_->root() +
                                         "/host-absent,dst=/m busybox true");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("bind source path does not exist"));
  EXPECT_FALSE(stdfs::exists(stack_->root() + "/host-absent"));

  // --mount readonly through berth; inspect shows the mount as Docker does.
  CommandResult held = stack_->Berth("run -d --name e2e-bind --mount type=bind,src=" + host +
                                     ",dst=/data,readonly busybox sleep 30");
  ASSERT_EQ(held.exit_code, 0) << held.err;
  std::string mounts = stack_->Docker(
      "inspect -f '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}} "
      "{{.Propagation}}{{end}}' e2e-bind").out;
  EXPECT_EQ(Trimmed(mounts), "bind " + host + " /data false rprivate");
  EXPECT_EQ(stack_->Docker("rm -f e2e-bind").exit_code, 0);
}

TEST_F(VolumesTest, VolumeInUseIsRefusedUntilItsContainerIsRemoved) {
  ASSERT_EQ(stack_->Docker("volume create e2e-busy").exit_code, 0);
  // A created (never started) container holds its volume as a running one does.
  CommandResult holder = stack_->Docker("create --name e2e-holder -v e2e-busy:/data busybox true");
  ASSERT_EQ(holder.exit_code, 0) << holder.err;
  CommandResult refused = stack_->Docker("volume rm e2e-busy");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("volume is in use"));
  EXPECT_EQ(HttpCode("DELETE", "/volumes/e2e-busy"), "409");
  EXPECT_EQ(HttpCode("DELETE", "/volumes/e2e-busy?force=1"), "409");
  CommandResult berth_rm = stack_->Berth("volume rm e2e-busy");
  EXPECT_NE(berth_rm.exit_code, 0);
  EXPECT_THAT(berth_rm.err, HasSubstr("volume is in use"));
  std::string holder_id = Trimmed(stack_->Docker("inspect -f '{{.Id}}' e2e-holder").out);
  CommandResult inspected = stack_->Berth("volume inspect e2e-busy");
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  EXPECT_THAT(inspected.out, HasSubstr("\"mountpoint\""));
  EXPECT_THAT(inspected.out, HasSubstr(holder_id));
  // dangling=false lists it, prune keeps it.
  EXPECT_EQ(stack_->Docker("volume ls -q --filter dangling=false").out, "e2e-busy\n");
  ASSERT_EQ(stack_->Docker("volume create e2e-unused").exit_code, 0);
  CommandResult pruned = stack_->Docker("volume prune -f");
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_THAT(pruned.out, HasSubstr("e2e-unused"));
  EXPECT_THAT(pruned.out, Not(HasSubstr("e2e-busy")));

  ASSERT_EQ(stack_->Docker("rm e2e-holder").exit_code, 0);
  CommandResult removed = stack_->Docker("volume rm e2e-busy");
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(HttpCode("GET", "/volumes/e2e-busy"), "404");
  EXPECT_EQ(HttpCode("DELETE", "/volumes/e2e-busy?force=1"), "204");
  EXPECT_EQ(stack_->Docker("volume ls -q").out, "");
  // berth's prune and rm.
  ASSERT_EQ(stack_->Berth("volume create e2e-b1").exit_code, 0);
  ASSERT_EQ(stack_->Berth("volume create e2e-b2").exit_code, 0);
  CommandResult berth_rm_ok = stack_->Berth("volume rm e2e-b1");
  EXPECT_EQ(berth_rm_ok.out, "e2e-b1\n") << berth_rm_ok.err;
  CommandResult berth_prune = stack_->Berth("volume prune -f");
  EXPECT_THAT(berth_prune.out, HasSubstr("Deleted Volumes:\ne2e-b2\n"));
  EXPECT_THAT(berth_prune.out, HasSubstr("Total reclaimed space"));
  EXPECT_EQ(stack_->Berth("volume ls -q").out, "");
  // Other drivers are refused clearly.
  CommandResult nfs = stack_->Docker("volume create -d nfs e2e-nfs");
  EXPECT_NE(nfs.exit_code, 0);
  EXPECT_THAT(nfs.err, HasSubstr("only \"local\""));
}

TEST_F(VolumesTest, ImageVolumeCreatesAnAnonymousVolumeFilledFromTheImageThatRmVRemoves) {
  ImportTwisted("e2e-volimg:latest",
                "mkdir -p data; echo seeded-by-image > data/seed; chown 1234:2345 data/seed; "
                "chmod 0640 data/seed; chmod 0750 data",
                "VOLUME /data");
  EXPECT_THAT(stack_->Docker("image inspect -f '{{json .Config.Volumes}}' e2e-volimg").out,
              HasSubstr("\"/data\":{}"));
  CommandResult run = stack_->Docker(
      "run --name e2e-anon e2e-volimg:latest sh -c 'cat /data/seed; stat -c \"%u:%g %a\" "
      "/data/seed /data'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "seeded-by-image\n1234:2345 640\n0:0 750\n");
  std::string name = Trimmed(
      stack_->Docker("inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}' "
                     "e2e-anon").out);
  ASSERT_TRUE(absl::StartsWith(name, "volume ")) << name;
  ASSERT_TRUE(absl::EndsWith(name, " /data")) << name;
  std::string volume = name.substr(7, 64);
  EXPECT_EQ(stack_->Docker("volume ls -q").out, volume + "\n");
  std::string data = Trimmed(stack_->Docker("volume inspect -f '{{.Mountpoint}}' " + volume).out);
  EXPECT_EQ(ReadFileText(data + "/seed"), "seeded-by-image\n");
  struct stat st{};
  ASSERT_EQ(stat((data + "/seed").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1234u);

  // A named volume mounted there instead is filled the same way, once.
  CommandResult named = stack_->Berth(
      "run --rm -v e2e-seeded:/data e2e-volimg:latest sh -c 'cat /data/seed; rm /data/seed; "
      "echo mine > /data/own'");
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.out, "seeded-by-image\n");
  EXPECT_EQ(stack_->Docker("run --rm -v e2e-seeded:/data e2e-volimg:latest ls /data").out,
            "own\n");

  // rm -v takes the anonymous volume with the container; the named one stays.
  ASSERT_EQ(stack_->Docker("rm -v e2e-anon").exit_code, 0);
  EXPECT_EQ(stack_->Docker("volume ls -q").out, "e2e-seeded\n");
  EXPECT_FALSE(stdfs::exists(data));
  // Without -v the anonymous volume stays behind (as with Docker).
  ASSERT_EQ(stack_->Berth("run --name e2e-anon2 e2e-volimg:latest true").exit_code, 0);
  ASSERT_EQ(stack_->Berth("rm e2e-anon2").exit_code, 0);
  EXPECT_EQ(Trimmed(stack_->Docker("volume ls -q --filter dangling=true").out).size(),
            64u + 1 + std::string("e2e-seeded").size());
}

TEST_F(VolumesTest, TmpfsIsATmpfs) {
  CommandResult run = stack_->Docker(
      "run --rm --tmpfs /run:size=1m busybox sh -c 'grep \" /run \" /proc/mounts; "
      "echo x > /run/f && cat /run/f'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("tmpfs /run tmpfs rw,nosuid,nodev,noexec"));
  EXPECT_THAT(run.out, HasSubstr("size=1024k"));
  EXPECT_THAT(run.out, HasSubstr("\nx\n"));
  CommandResult mount = stack_->Berth(
      "run --rm --mount type=tmpfs,dst=/scratch,tmpfs-mode=1770 busybox stat -c '%a' /scratch");
  ASSERT_EQ(mount.exit_code, 0) << mount.err;
  EXPECT_EQ(mount.out, "1770\n");
}

TEST_F(VolumesTest, HostileMountTargetSymlinkStaysInsideTheRootfs) {
  std::string host = HostDir("target");
  std::ofstream(host + "/keep") << "host file\n";
  // The image's /data is a symlink to a host directory.
  ImportTwisted("e2e-hostile:latest", "ln -s " + host + " data", "");
  for (const std::string& option :
       std::vector<std::string>{"-v e2e-evil:/data", "-v " + HostDir("src") + ":/data",
                                "--tmpfs /data"}) {
    CommandResult run = stack_->Docker("run --rm " + option + " e2e-hostile:latest true");
    EXPECT_NE(run.exit_code, 0) << option;
    EXPECT_THAT(run.err, HasSubstr("symlink")) << option;
  }
  // Nothing was mounted onto or copied into the host directory.
  EXPECT_EQ(stack_->Shell("ls -A " + host).out, "keep\n");
  EXPECT_EQ(stack_->Shell("grep -c -F " + host + " /proc/self/mountinfo").out, "0\n");
  EXPECT_EQ(stack_->Shell("ls -A " + HostDir("src")).out, "");
}

TEST_F(VolumesTest, VolumesFromSharesTheOtherContainersMounts) {
  CommandResult first = stack_->Berth(
      "run --name e2e-owner -v e2e-shared:/shared busybox sh -c 'echo shared > /shared/f'");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  CommandResult ro = stack_->Docker("run --rm --volumes-from e2e-owner:ro busybox sh -c "
                                    "'cat /shared/f; touch /shared/g'");
  EXPECT_EQ(ro.out, "shared\n");
  EXPECT_NE(ro.exit_code, 0);
  CommandResult rw = stack_->Berth("run --rm --volumes-from e2e-owner busybox cat /shared/f");
  EXPECT_EQ(rw.out, "shared\n") << rw.err;
  EXPECT_EQ(stack_->Docker("rm e2e-owner").exit_code, 0);
}

// docker-py (Debian's python3-docker) as a third, unchanged client.
TEST_F(VolumesTest, DockerPyCreatesUsesAndRemovesVolumes) {
  std::string script =
      "import sys, docker\n"
      "c = docker.DockerClient(base_url=sys.argv[1])\n"
      "v = c.volumes.create(name='e2e-py', labels={'via': 'py'})\n"
      "assert v.attrs['Driver'] == 'local', v.attrs\n"
      "out = c.containers.run('busybox', ['sh', '-c', 'echo py > /data/f; cat /data/f'],\n"
      "                       volumes={'e2e-py': {'bind': '/data', 'mode': 'rw'}}, remove=True)\n"
      "assert out == b'py\\n', out\n"
      "names = [x.name for x in c.volumes.list(filters={'label': 'via=py'})]\n"
      "assert names == ['e2e-py'], names\n"
      "held = c.containers.create('busybox', 'true', volumes=['e2e-py:/data'])\n"
      "try:\n"
      "    v.remove()\n"
      "    raise SystemExit('removed a volume in use')\n"
      "except docker.errors.APIError as e:\n"
      "    assert e.status_code == 409, e\n"
      "held.remove()\n"
      "v.remove()\n"
      "assert c.volumes.list() == []\n"
      "print('ok')\n";
  CommandResult py = stack_->Shell(
      "/usr/bin/python3 - " + ShellQuote(stack_->docker_host()),
      CommandOptions{.stdin_data = script, .timeout = std::chrono::seconds(60)});
  EXPECT_EQ(py.exit_code, 0) << py.out << py.err;
  EXPECT_EQ(py.out, "ok\n");
}

}  // namespace
}  // namespace berth::e2e
