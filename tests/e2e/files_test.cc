// A container's files on a private stack, through the real docker CLI, berth
// and docker-py: `cp` both ways into running containers (a volume seen, a
// file copied in read by the process) and stopped ones (on the snapshot),
// the symlink escapes of `docker cp` (a link to "/" in the container, and a
// directory swapped for such a link while copies run: CVE-2018-15664) that
// must stay inside, hostile tars on PUT, export, diff and commit with
// --change. Each TEST is its own ctest entry.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

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

class FilesTest : public BusyboxStackTest {
 protected:
  std::string HostDir(const std::string& name) {
    std::string dir = stack_->root() + "/host-" + name;
    stdfs::create_directories(dir);
    return dir;
  }
  std::string Socket() const {
    return stack_->docker_host().substr(std::string("unix://").size());
  }
  // A unique name for a file that must never appear on the host.
  std::string Unique(const std::string& what) const {
    return absl::StrCat("berth-e2e-", what, "-", ::getpid(), "-",
                        stdfs::path(stack_->root()).filename().string());
  }
};

TEST_F(FilesTest, CopyInAndOutOfARunningContainerSeesVolumesAndTheProcessSeesTheFile) {
  std::string host = HostDir("cp-run");
  std::ofstream(host + "/in.txt") << "copied-in\n";
  stdfs::create_directories(host + "/tree/sub");
  std::ofstream(host + "/tree/sub/deep.txt") << "deep\n";
  ASSERT_EQ(stack_->Docker("run -d --name cp-run -v cp-vol:/data busybox sh -c "
                           "'while [ ! -f /tmp/in.txt ]; do sleep 0.1; done; "
                           "cat /tmp/in.txt > /tmp/seen; sleep 300'")
                .exit_code,
            0);
  CommandResult in = stack_->Docker("cp " + host + "/in.txt cp-run:/tmp/in.txt");
  ASSERT_EQ(in.exit_code, 0) << in.err;
  // The running process saw it (it waited for the file).
  CommandResult seen = stack_->Shell(
      "for i in $(seq 50); do docker -H " + stack_->docker_host() +
      " exec cp-run cat /tmp/seen 2>/dev/null && exit 0; sleep 0.1; done; exit 1");
  ASSERT_EQ(seen.exit_code, 0) << seen.err;
  EXPECT_EQ(seen.out, "copied-in\n");

  // Into the volume, a directory tree, and out again with docker and berth.
  ASSERT_EQ(stack_->Docker("cp " + host + "/tree cp-run:/data/").exit_code, 0);
  EXPECT_EQ(stack_->Docker("exec cp-run cat /data/tree/sub/deep.txt").out, "deep\n");
  std::string out = HostDir("cp-run-out");
  CommandResult back = stack_->Docker("cp cp-run:/data/tree " + out + "/tree-back");
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(ReadFileText(out + "/tree-back/sub/deep.txt"), "deep\n");
  CommandResult hostname = stack_->Berth("cp cp-run:/etc/hostname " + out + "/hostname");
  ASSERT_EQ(hostname.exit_code, 0) << hostname.err;
  std::string id = Trimmed(stack_->Docker("inspect -f '{{.Id}}' cp-run").out);
  EXPECT_EQ(ReadFileText(out + "/hostname"), id.substr(0, 12) + "\n");
  CommandResult berth_in = stack_->Berth("cp " + host + "/in.txt cp-run:/root/");
  ASSERT_EQ(berth_in.exit_code, 0) << berth_in.err;
  EXPECT_EQ(stack_->Docker("exec cp-run cat /root/in.txt").out, "copied-in\n");

  // A missing path is Docker's 404 text.
  CommandResult missing = stack_->Docker("cp cp-run:/no/such " + out + "/x");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("Could not find the file /no/such in container cp-run"));
  stack_->Docker("rm -f cp-run");
}

TEST_F(FilesTest, CopyInAndOutOfAStoppedContainerUsesItsSnapshot) {
  std::string host = HostDir("cp-stopped");
  std::ofstream(host + "/in.txt") << "before-start\n";
  ASSERT_EQ(stack_->Docker("create --name cp-stopped busybox cat /etc/motd-e2e").exit_code, 0);
  CommandResult in = stack_->Docker("cp " + host + "/in.txt cp-stopped:/etc/motd-e2e");
  ASSERT_EQ(in.exit_code, 0) << in.err;
  CommandResult started = stack_->Docker("start -a cp-stopped");
  ASSERT_EQ(started.exit_code, 0) << started.err;
  EXPECT_EQ(started.out, "before-start\n");
  // Exited now: out of the snapshot, with berth and docker.
  CommandResult out = stack_->Berth("cp cp-stopped:/etc/motd-e2e " + host + "/back.txt");
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(ReadFileText(host + "/back.txt"), "before-start\n");
  CommandResult passwd = stack_->Docker("cp cp-stopped:/etc/passwd -");
  ASSERT_EQ(passwd.exit_code, 0) << passwd.err;
  EXPECT_THAT(passwd.out, HasSubstr("root:x:0:0"));
  // imaged's private mount points are gone after the calls.
  EXPECT_EQ(stack_->Shell("find " + ShellQuote(stack_->root()) + " -name 'mnt-*' | wc -l").out,
            "0\n");
  stack_->Docker("rm -f cp-stopped");
}

TEST_F(FilesTest, SymlinkToRootInsideTheContainerStaysInside) {
  std::string host = HostDir("escape");
  std::string name = Unique("escape");
  std::ofstream(host + "/" + name) << "must-stay-inside\n";
  for (const std::string state : {"running", "stopped"}) {
    std::string c = "esc-" + state;
    ASSERT_EQ(stack_->Docker("run -d --name " + c + " busybox sh -c 'ln -s / /escape; sleep 300'")
                  .exit_code,
              0);
    ASSERT_EQ(stack_->Shell("for i in $(seq 50); do docker -H " + stack_->docker_host() + " exec " +
                            c + " test -L /escape && exit 0; sleep 0.1; done; exit 1")
                  .exit_code,
              0);
    if (state == "stopped") ASSERT_EQ(stack_->Docker("kill " + c).exit_code, 0);
    // Into the link: lands in the container's "/", not the host's.
    CommandResult in = stack_->Docker("cp " + host + "/" + name + " " + c + ":/escape/tmp/");
    ASSERT_EQ(in.exit_code, 0) << state << ": " << in.err;
    EXPECT_FALSE(stdfs::exists("/tmp/" + name)) << state;
    CommandResult inside = stack_->Docker("cp " + c + ":/tmp/" + name + " -");
    EXPECT_THAT(inside.out, HasSubstr("must-stay-inside")) << state;
    // Out of the link: the container's files, never the host's.
    CommandResult out = stack_->Docker("cp " + c + ":/escape/etc/passwd -");
    ASSERT_EQ(out.exit_code, 0) << state << ": " << out.err;
    EXPECT_THAT(out.out, HasSubstr("nobody:x:65534")) << state;
    EXPECT_THAT(out.out, Not(HasSubstr(ReadFileText("/etc/passwd").substr(0, 40)))) << state;
    // A host path only the host has is not found through the link.
    CommandResult host_only = stack_->Docker("cp " + c + ":/escape" + host + "/" + name + " -");
    EXPECT_NE(host_only.exit_code, 0) << state;
    EXPECT_THAT(host_only.out, Not(HasSubstr("must-stay-inside"))) << state;
    stack_->Docker("rm -f " + c);
  }
}

TEST_F(FilesTest, SymlinkSwappedDuringCopiesNeverReachesTheHost) {
  // CVE-2018-15664: /w/d flips between a link into /w/real and a link to "/" while
  // docker cp copies through it; every copy must resolve inside.
  std::string secret_dir = HostDir("swap-secret");
  std::string secret = secret_dir + "/secret.txt";
  std::ofstream(secret) << "HOST-SECRET\n";
  std::string drop = Unique("swap-drop");
  ASSERT_EQ(stack_->Docker("run -d --name swap busybox sh -c 'mkdir -p /w/real" + secret_dir +
                           " && echo inside > /w/real" + secret +
                           "; while true; do ln -sfn / /w/d; ln -sfn /w/real /w/d; done'")
                .exit_code,
            0);
  std::string in = HostDir("swap-in");
  std::ofstream(in + "/" + drop) << "dropped\n";
  int inside_reads = 0;
  for (int i = 0; i < 30; ++i) {
    CommandResult out = stack_->Docker("cp swap:/w/d" + secret + " -");
    EXPECT_THAT(out.out, Not(HasSubstr("HOST-SECRET")));
    if (absl::StrContains(out.out, "inside")) ++inside_reads;
    stack_->Docker("cp " + in + "/" + drop + " swap:/w/d/tmp/");
    ASSERT_FALSE(stdfs::exists("/tmp/" + drop));
  }
  EXPECT_GT(inside_reads, 0);
  stack_->Docker("rm -f swap");
}

TEST_F(FilesTest, HostileTarsOnPutAreRefusedOrContained) {
  ASSERT_EQ(stack_->Docker("run -d --name hostile busybox sleep 300").exit_code, 0);
  std::string dir = HostDir("hostile");
  std::string evil = Unique("dotdot");
  std::string abs = Unique("abs");
  std::string script = absl::StrCat(
      "import io, tarfile\n"
      "def tar(path, build):\n"
      "    with tarfile.open(path, 'w') as t:\n"
      "        build(t)\n"
      "def add(t, name, data=b'x', kind=tarfile.REGTYPE):\n"
      "    i = tarfile.TarInfo(name); i.type = kind; i.size = len(data) if kind == tarfile.REGTYPE else 0\n"
      "    i.devmajor, i.devminor = 1, 3\n"
      "    t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)\n",
      "tar('", dir, "/dotdot.tar', lambda t: add(t, '../../../../../../tmp/", evil, "'))\n",
      "tar('", dir, "/abs.tar', lambda t: add(t, '/tmp/", abs, "', b'abs'))\n",
      "tar('", dir, "/dev.tar', lambda t: add(t, 'null2', kind=tarfile.CHRTYPE))\n");
  ASSERT_EQ(stack_->Shell("/usr/bin/python3 -", CommandOptions{.stdin_data = script}).exit_code, 0);
  auto put = [&](const std::string& tar, const std::string& path) {
    return Trimmed(stack_->Shell("curl -s -o /dev/null -w '%{http_code}' --unix-socket " +
                                 ShellQuote(Socket()) + " -X PUT -T " + tar +
                                 " 'http://localhost/v1.41/containers/hostile/archive?path=" +
                                 path + "'")
                       .out);
  };
  EXPECT_EQ(put(dir + "/dotdot.tar", "/tmp"), "400");
  EXPECT_FALSE(stdfs::exists("/tmp/" + evil));
  EXPECT_EQ(put(dir + "/dev.tar", "/tmp"), "400");
  EXPECT_NE(stack_->Docker("exec hostile test -e /tmp/null2").exit_code, 0);
  // An absolute name is taken relative to the extraction point, in the container.
  EXPECT_EQ(put(dir + "/abs.tar", "/root"), "200");
  EXPECT_FALSE(stdfs::exists("/tmp/" + abs));
  EXPECT_EQ(stack_->Docker("exec hostile cat /root/tmp/" + abs).out, "abs");
  stack_->Docker("rm -f hostile");
}

TEST_F(FilesTest, ExportDiffAndCommitWithChange) {
  ASSERT_EQ(stack_->Docker("run --name fs-ops -v fs-vol:/vol busybox sh -c "
                           "'mkdir /made && echo made > /made/file && rm /etc/group && "
                           "echo vol > /vol/in-volume'")
                .exit_code,
            0);
  // diff: Docker's lines, sorted.
  CommandResult diff = stack_->Docker("diff fs-ops");
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_THAT(diff.out, HasSubstr("C /etc\nD /etc/group\n"));
  EXPECT_THAT(diff.out, HasSubstr("A /made\nA /made/file\n"));
  EXPECT_EQ(stack_->Berth("diff fs-ops").out, diff.out);

  // export: image files and changes, not the volume, not the deleted file.
  std::string dir = HostDir("export");
  CommandResult exported = stack_->Docker("export -o " + dir + "/fs.tar fs-ops");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::string listing = stack_->Shell("tar tf " + dir + "/fs.tar").out;
  EXPECT_THAT(listing, HasSubstr("bin/busybox\n"));
  EXPECT_THAT(listing, HasSubstr("made/file\n"));
  EXPECT_THAT(listing, HasSubstr("etc/passwd\n"));
  EXPECT_THAT(listing, Not(HasSubstr("etc/group")));
  EXPECT_THAT(listing, Not(HasSubstr("in-volume")));
  ASSERT_EQ(stack_->Berth("export -o " + dir + "/fs2.tar fs-ops").exit_code, 0);
  EXPECT_EQ(stack_->Shell("tar tf " + dir + "/fs2.tar").out, listing);

  // commit with a change; the new image runs and has the file.
  CommandResult commit = stack_->Docker(
      "commit -m e2e -c 'CMD [\"cat\", \"/made/file\"]' -c 'ENV COMMITTED=yes' fs-ops "
      "e2e-committed:v1");
  ASSERT_EQ(commit.exit_code, 0) << commit.err;
  EXPECT_THAT(commit.out, HasSubstr("sha256:"));
  CommandResult run = stack_->Docker("run --rm e2e-committed:v1");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "made\n");
  EXPECT_EQ(stack_->Docker("run --rm e2e-committed:v1 sh -c 'echo $COMMITTED; ls /etc/group'")
                .out,
            "yes\n");
  EXPECT_EQ(Trimmed(stack_->Docker("image inspect -f '{{.Comment}}' e2e-committed:v1").out),
            "e2e");
  // berth commit, and a change commit does not take.
  CommandResult berth = stack_->Berth("commit fs-ops e2e-committed:berth");
  ASSERT_EQ(berth.exit_code, 0) << berth.err;
  EXPECT_EQ(stack_->Berth("run --rm e2e-committed:berth cat /made/file").out, "made\n");
  CommandResult bad = stack_->Docker("commit -c 'RUN true' fs-ops e2e-committed:bad");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("run is not a valid change command"));
}

TEST_F(FilesTest, DockerPyPutGetArchiveExportDiffCommit) {
  std::string script = absl::StrCat(
      "import docker, io, tarfile\n"
      "c = docker.DockerClient(base_url='", stack_->docker_host(), "', version='1.41')\n"
      "ct = c.containers.run('busybox', 'sleep 300', detach=True, name='py-files')\n"
      "buf = io.BytesIO()\n"
      "with tarfile.open(fileobj=buf, mode='w') as t:\n"
      "    i = tarfile.TarInfo('py.txt'); data = b'from-python'; i.size = len(data)\n"
      "    t.addfile(i, io.BytesIO(data))\n"
      "assert ct.put_archive('/tmp', buf.getvalue())\n"
      "print(ct.exec_run('cat /tmp/py.txt').output.decode())\n"
      "bits, stat = ct.get_archive('/tmp/py.txt')\n"
      "raw = b''.join(bits)\n"
      "with tarfile.open(fileobj=io.BytesIO(raw)) as t:\n"
      "    print(t.extractfile('py.txt').read().decode(), stat['name'], stat['size'])\n"
      "print(sorted((d['Kind'], d['Path']) for d in ct.diff()))\n"
      "img = ct.commit(repository='py-committed', tag='v1')\n"
      "print(c.containers.run(img.id, 'cat /tmp/py.txt', remove=True).decode())\n"
      "exported = b''.join(ct.export())\n"
      "with tarfile.open(fileobj=io.BytesIO(exported)) as t:\n"
      "    print('tmp/py.txt' in t.getnames())\n"
      "ct.remove(force=True)\n");
  CommandResult flow = stack_->Shell("python3 -", CommandOptions{.stdin_data = script});
  ASSERT_EQ(flow.exit_code, 0) << flow.err;
  EXPECT_EQ(flow.out,
            "from-python\n"
            "from-python py.txt 11\n"
            "[(0, '/tmp'), (1, '/tmp/py.txt')]\n"
            "from-python\n"
            "True\n");
}

// dockerd's cp events: archive-path for a copy out of the container,
// extract-to-dir for one into it, running or stopped, in order with the
// lifecycle events (docker events --since).
TEST_F(FilesTest, CpEmitsArchivePathAndExtractToDirEvents) {
  std::string host = HostDir("cp-ev");
  std::ofstream(host + "/f.txt") << "x\n";
  CommandResult since = stack_->Shell("date +%s");
  ASSERT_EQ(stack_->Docker("run -d --name cp-ev busybox sleep 300").exit_code, 0);
  ASSERT_EQ(stack_->Docker("cp " + host + "/f.txt cp-ev:/tmp/f.txt").exit_code, 0);
  ASSERT_EQ(stack_->Docker("cp cp-ev:/tmp/f.txt " + host + "/back.txt").exit_code, 0);
  ASSERT_EQ(stack_->Docker("kill cp-ev").exit_code, 0);
  ASSERT_EQ(stack_->Docker("cp cp-ev:/etc/passwd " + host + "/passwd").exit_code, 0);
  // A failed copy records nothing.
  EXPECT_NE(stack_->Docker("cp cp-ev:/no/such " + host + "/none").exit_code, 0);
  CommandResult until = stack_->Shell("echo $(( $(date +%s) + 1 ))");
  CommandResult events = stack_->Docker(
      "events --since " + Trimmed(since.out) + " --until " + Trimmed(until.out) +
      " --filter type=container --filter container=cp-ev --format '{{.Action}} {{.Actor.Attributes.name}}'");
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_EQ(events.out,
            "create cp-ev\nstart cp-ev\nextract-to-dir cp-ev\narchive-path cp-ev\n"
            "kill cp-ev\ndie cp-ev\narchive-path cp-ev\n");
}

}  // namespace
}  // namespace berth::e2e
