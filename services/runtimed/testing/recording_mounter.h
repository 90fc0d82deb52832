// RecordingMounter: a Mounter (shim/mounter.h) for unit tests of the rootfs
// applier. It performs nothing; it records each call in order, with where
// the fd the applier handed over really points (readlink of
// /proc/self/fd/N at call time), so a test checks both the order of the
// mounts and that each lands on the target resolved inside the root.
// FailOn() makes the call for one in-root path fail, to test that the
// applier stops there.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/runtimed/shim/mounter.h"

namespace berth::runtimed::testing {

struct RecordedCall {
  enum class Op { kMount, kMknod, kSymlink };
  Op op = Op::kMount;
  std::string in_root;   // "/" for the rootfs itself
  std::string resolved;  // the host path the call would act on
  std::string source;    // mount source, or a symlink's destination
  std::string fstype;
  unsigned long flags = 0;
  std::string data;
  mode_t mode = 0;
  dev_t dev = 0;

  // "mount proc /proc", "mknod /dev/null", "symlink /dev/fd": for order checks.
  std::string Summary() const {
    switch (op) {
      case Op::kMount:
        return absl::StrCat("mount ", fstype.empty() ? "bind" : fstype, " ", in_root);
      case Op::kMknod:
        return absl::StrCat("mknod ", in_root);
      case Op::kSymlink:
        return absl::StrCat("symlink ", in_root);
    }
    return "";
  }
};

class RecordingMounter : public shim::Mounter {
 public:
  absl::Status Mount(const shim::MountCall& call) override {
    RecordedCall r;
    r.op = RecordedCall::Op::kMount;
    r.in_root = call.in_root;
    // The root is mounted on its host path; everything else through an fd.
    r.resolved = absl::StartsWith(call.target, "/proc/self/fd/") ? Readlink(call.target)
                                                                  : call.target;
    r.source = call.source;
    r.fstype = call.fstype;
    r.flags = call.flags;
    r.data = call.data;
    return Record(std::move(r), call.error_context);
  }

  absl::Status Mknod(const shim::NodeCall& call) override {
    RecordedCall r;
    r.op = RecordedCall::Op::kMknod;
    r.in_root = call.in_root;
    r.resolved = absl::StrCat(Readlink(absl::StrCat("/proc/self/fd/", call.dir_fd)), "/",
                              call.name);
    r.mode = call.mode;
    r.dev = call.dev;
    return Record(std::move(r), absl::StrCat("mknod '", call.in_root, "'"));
  }

  absl::Status Symlink(const shim::SymlinkCall& call) override {
    RecordedCall r;
    r.op = RecordedCall::Op::kSymlink;
    r.in_root = call.in_root;
    r.resolved = absl::StrCat(Readlink(absl::StrCat("/proc/self/fd/", call.dir_fd)), "/",
                              call.name);
    r.source = call.link;
    return Record(std::move(r), absl::StrCat("symlink '", call.in_root, "'"));
  }

  // The call acting on `in_root` fails with EPERM, as mount(2) does unprivileged.
  void FailOn(std::string in_root) { fail_on_ = std::move(in_root); }

  const std::vector<RecordedCall>& calls() const { return calls_; }
  std::vector<std::string> Summaries() const {
    std::vector<std::string> out;
    for (const RecordedCall& c : calls_) out.push_back(c.Summary());
    return out;
  }

 private:
  static std::string Readlink(const std::string& path) {
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
    return n < 0 ? absl::StrCat("<unreadable ", path, ">") : std::string(buf, n);
  }

  absl::Status Record(RecordedCall r, const std::string& context) {
    bool fail = !fail_on_.empty() && r.in_root == fail_on_;
    calls_.push_back(std::move(r));
    if (fail) {
      return absl::PermissionDeniedError(absl::StrCat(context, ": Operation not permitted"));
    }
    return absl::OkStatus();
  }

  std::string fail_on_;
  std::vector<RecordedCall> calls_;
};

}  // namespace berth::runtimed::testing
