// Hostile images: busybox rootfs tarballs with one twist each, imported with
// `docker import`, whose /proc, /sys, /dev, /etc or /etc files are symlinks to
// host paths (a fresh directory and file this test makes, with known owner,
// mode and content) or to /dev/zero. Each run either works with the container
// seeing its own mounts and Berth's files, or fails at once with a clear
// error; in every case the host targets and the host's mount table are
// untouched. Each case is its own ctest entry (e.g.
// "Twists/HostileImageTest.RunsConfined/ProcToHostDir").
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// How long a refused start may take: the refusal must not wait on anything
// (e.g. read /dev/zero until a timeout). Measured ~0.3 s; the margin is for a
// busy 2-core machine.
constexpr double kFailFastSeconds = 2.0;

// The content of the host file the twists point at: a valid passwd line, so a
// runtime that followed the link to the host would find the user.
constexpr char kHostFileContent[] = "berthhostuser:x:4242:4242::/:/bin/sh\n";
constexpr char kMarkerContent[] = "berth-host-marker\n";

struct HostileCase {
  std::string name;
  // Shell run inside the extracted rootfs; $TARGET_DIR and $HOST_FILE name
  // the host directory and file.
  std::string twist;
  std::string run_options;
  std::string command;
  bool runs;               // the container starts (else docker run exits 125)
  std::string expected;    // in stdout when it runs, in stderr when refused
};

void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }


class HostileImageTest : public ::testing::TestWithParam<HostileCase> {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    char tmpl[] = "/tmp/bth-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    host_ = tmpl;
    target_dir_ = host_ + "/target";
    host_file_ = host_ + "/hostfile";
    // An owner and modes no step of the runtime would pick, so any chown or
    // chmod through the link shows.
    CommandResult made = RunShell(
        "set -e; mkdir " + target_dir_ + "; printf '" + Trimmed(kMarkerContent) + "\\n' > " +
        target_dir_ + "/marker; printf '" + Trimmed(kHostFileContent) + "\\n' > " + host_file_ +
        "; chown 4321:4321 " + target_dir_ + " " + target_dir_ + "/marker " + host_file_ +
        "; chmod 0750 " + target_dir_ + "; chmod 0640 " + target_dir_ + "/marker " + host_file_);
    ASSERT_EQ(made.exit_code, 0) << made.err;
    std::string error;
    stack_ = Stack::Start(&error);
    ASSERT_NE(stack_, nullptr) << error;
    ASSERT_NE(stack_->BusyboxTar(), "");
  }

  void TearDown() override {
    stack_.reset();
    if (!host_.empty()) RunShell("rm -rf " + ShellQuote(host_));
  }

  // Everything about the host targets a container could change: owner,
  // mode, size, mtime, names and content, and any mount on or under them
  // (or on /dev/zero).
  std::string HostView() {
    CommandResult view = RunShell(
        "stat -c '%n %u:%g %a %s %Y' " + target_dir_ + " " + target_dir_ + "/marker " + host_file_ +
        "; ls -A " + target_dir_ + "; cat " + target_dir_ + "/marker " + host_file_ +
        "; grep -F -e " + host_ + " -e ' /dev/zero ' /proc/self/mountinfo; true");
    return view.out;
  }

  // Mounts under the stack's root: container mounts left behind show here.
  std::string StackMounts() {
    return RunShell("grep -F " + stack_->root() + " /proc/self/mountinfo | cut -d' ' -f5 | sort").out;
  }

  // Builds the twisted rootfs tarball and imports it as hostile-<name>.
  std::string ImportHostileImage(const HostileCase& c) {
    std::string rootfs = host_ + "/rootfs";
    std::string tar = host_ + "/hostile.tar";
    CommandOptions env;
    env.env["TARGET_DIR"] = target_dir_;
    env.env["HOST_FILE"] = host_file_;
    CommandResult made = RunShell("set -e; mkdir " + rootfs + "; tar -C " + rootfs + " -xf " +
                                      stack_->BusyboxTar() + "; cd " + rootfs + "; " + c.twist +
                                      "; tar --numeric-owner -C " + rootfs + " -cf " + tar + " .",
                                  env);
    EXPECT_EQ(made.exit_code, 0) << made.err;
    std::string image = "hostile-" + c.name + ":latest";
    std::transform(image.begin(), image.end(), image.begin(), ::tolower);
    CommandResult imported = stack_->Docker("import " + tar + " " + image);
    EXPECT_EQ(imported.exit_code, 0) << imported.err;
    return image;
  }

  std::string host_;
  std::string target_dir_;
  std::string host_file_;
  std::unique_ptr<Stack> stack_;
};

TEST_P(HostileImageTest, RunsConfined) {
  const HostileCase& c = GetParam();
  std::string image = ImportHostileImage(c);
  ASSERT_FALSE(HasFailure());
  std::string host_before = HostView();
  std::string mounts_before = StackMounts();
  ASSERT_THAT(host_before, HasSubstr("4321:4321 750"));

  CommandOptions bounded;
  bounded.timeout = std::chrono::seconds(30);
  auto start = std::chrono::steady_clock::now();
  CommandResult run = stack_->Docker(
      "run --rm " + c.run_options + " " + image + " sh -c " + ShellQuote(c.command), bounded);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("docker_run_ms", static_cast<int>(took * 1000));
  EXPECT_FALSE(run.timed_out);

  if (c.runs) {
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr(c.expected));
  } else {
    EXPECT_EQ(run.exit_code, 125) << run.out << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.expected));
    EXPECT_LT(took, kFailFastSeconds) << "refusing the image took " << took << " s";
  }
  // Nothing the host file holds reached the container, whichever way it went.
  EXPECT_THAT(run.out, Not(HasSubstr("berthhostuser")));
  EXPECT_THAT(run.out, Not(HasSubstr("berth-host-marker")));

  EXPECT_EQ(HostView(), host_before);
  // `docker run --rm` returns once runtimed dropped the record; apid detaches
  // the network namespace just after (Docker releases it before the wait
  // returns; noted in docs/security.md), so give the netns mount a moment.
  std::string mounts_after = StackMounts();
  for (int i = 0; i < 50 && mounts_after != mounts_before; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    mounts_after = StackMounts();
  }
  EXPECT_EQ(mounts_after, mounts_before);
  EXPECT_EQ(Trimmed(stack_->Docker("ps -a -q").out), "");
}

std::vector<HostileCase> Cases() {
  auto refused = [](const char* dir) {
    return std::string("'/") + dir + "' in the container's filesystem is a symlink";
  };
  return {
      {"ProcToHostDir", "rmdir proc && ln -s \"$TARGET_DIR\" proc", "", "cat /proc/self/status",
       false, refused("proc")},
      {"SysToHostDir", "rmdir sys && ln -s \"$TARGET_DIR\" sys", "", "ls /sys", false,
       refused("sys")},
      {"DevToHostDir", "rmdir dev && ln -s \"$TARGET_DIR\" dev", "", "ls /dev", false,
       refused("dev")},
      {"EtcToHostDir", "rm -rf etc && ln -s \"$TARGET_DIR\" etc", "", "cat /etc/hosts", false,
       refused("etc")},
      // The generated /etc files replace the image's symlink in the
      // container's own layer: the container sees Berth's file, and the host
      // file (or /dev/zero) gets no mount.
      {"HostsToHostFile", "ln -sf \"$HOST_FILE\" etc/hosts", "", "cat /etc/hosts", true,
       "localhost"},
      {"HostsToDevZero", "ln -sf /dev/zero etc/hosts", "", "head -c 4096 /etc/hosts", true,
       "localhost"},
      {"ResolvConfToHostFile", "ln -sf \"$HOST_FILE\" etc/resolv.conf", "",
       "cat /etc/resolv.conf; echo resolv-read", true, "resolv-read"},
      {"HostnameToHostFile", "ln -sf \"$HOST_FILE\" etc/hostname", "",
       "[ \"$(cat /etc/hostname)\" = \"$(hostname)\" ] && echo hostname-matches", true,
       "hostname-matches"},
      // The init resolves users after pivot_root: the link points into the
      // container's own tree (where nothing is), and /dev/zero is not read
      // forever.
      {"PasswdToDevZero", "ln -sf /dev/zero etc/passwd", "", "grep Uid /proc/self/status", true,
       "Uid:\t0\t0"},
      {"PasswdToDevZeroNumericUser", "ln -sf /dev/zero etc/passwd", "-u 1000:1000",
       "grep Uid /proc/self/status", true, "Uid:\t1000\t1000"},
      {"PasswdToHostFile", "ln -sf \"$HOST_FILE\" etc/passwd", "-u berthhostuser", "id", false,
       "unable to find user berthhostuser"},
  };
}

INSTANTIATE_TEST_SUITE_P(Twists, HostileImageTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace berth::e2e
