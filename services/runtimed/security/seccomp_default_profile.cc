// Berth's default seccomp profile: the same policy as Docker's default
// profile, written as our own table grouped by topic. Deny with EPERM, allow
// what ordinary programs need, and open the dangerous calls only to
// containers that hold the capability the kernel would check anyway. The
// differences from Docker's table are listed in docs/design/seccomp.md; the
// tests in tests/unit/runtimed/seccomp_profile_test.cc pin the important
// entries.

#include <cerrno>
#include <initializer_list>

#include "services/runtimed/security/seccomp_profile_internal.h"

namespace berth::runtimed::security::internal {
namespace {

// What every container may call, whatever its capabilities. The kernel still
// applies its own permission checks (for example adjtimex only reads the clock
// without CAP_SYS_TIME).
constexpr std::initializer_list<const char*> kFiles = {
    "access",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "creat",
    "faccessat",
    "faccessat2",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "fchown",
    "fchown32",
    "fchownat",
    "futimesat",
    "listmount",
    "statmount",
    "getcwd",
    "getdents",
    "getdents64",
    "lchown",
    "lchown32",
    "link",
    "linkat",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "name_to_handle_at",
    "open",
    "openat",
    "openat2",
    "readlink",
    "readlinkat",
    "rename",
    "renameat",
    "renameat2",
    "rmdir",
    "symlink",
    "symlinkat",
    "truncate",
    "truncate64",
    "umask",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    // stat and friends, in every ABI's spelling
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "lstat",
    "lstat64",
    "newfstatat",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statx",
    // extended attributes
    "fgetxattr",
    "flistxattr",
    "fremovexattr",
    "fsetxattr",
    "getxattr",
    "lgetxattr",
    "listxattr",
    "llistxattr",
    "lremovexattr",
    "lsetxattr",
    "removexattr",
    "setxattr",
    "getxattrat",
    "listxattrat",
    "removexattrat",
    "setxattrat",
};

constexpr std::initializer_list<const char*> kDescriptorsAndIo = {
    "_llseek",
    "cachestat",
    "close",
    "close_range",
    "copy_file_range",
    "dup",
    "dup2",
    "dup3",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "flock",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "ioctl",
    "lseek",
    "memfd_create",
    "pipe",
    "pipe2",
    "pread64",
    "preadv",
    "preadv2",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readv",
    "sendfile",
    "sendfile64",
    "splice",
    "sync",
    "sync_file_range",
    "syncfs",
    "tee",
    "vmsplice",
    "write",
    "writev",
    // Linux AIO (io_uring is left out on purpose, see the design note)
    "io_cancel",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "io_setup",
    "io_submit",
};

constexpr std::initializer_list<const char*> kEventsAndPolling = {
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "fanotify_mark",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "_newselect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "pselect6",
    "pselect6_time64",
    "select",
    "signalfd",
    "signalfd4",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
};

constexpr std::initializer_list<const char*> kMemory = {
    "brk",
    "madvise",
    "map_shadow_stack",
    "membarrier",
    "memfd_secret",
    "mincore",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mremap",
    "mseal",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "remap_file_pages",
};

// Process life cycle, threads and self-inspection. clone and clone3 are not
// here: they have their own rules below.
constexpr std::initializer_list<const char*> kProcesses = {
    "capget",
    "capset",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "fork",
    "futex",
    "futex_requeue",
    "futex_time64",
    "futex_wait",
    "futex_waitv",
    "futex_wake",
    "get_robust_list",
    "get_thread_area",
    "getcpu",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getrlimit",
    "getrusage",
    "getsid",
    "gettid",
    "ioprio_get",
    "ioprio_set",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "pidfd_open",
    "pidfd_send_signal",
    "prctl",
    "prlimit64",
    "process_mrelease",
    "restart_syscall",
    "riscv_hwprobe",
    "rseq",
    "seccomp",
    "set_robust_list",
    "set_thread_area",
    "set_tid_address",
    "setpgid",
    "setpriority",
    "setrlimit",
    "setsid",
    "sysinfo",
    "times",
    "ugetrlimit",
    "uname",
    "uretprobe",
    "vfork",
    "wait4",
    "waitid",
    "waitpid",
    // scheduling policy of the caller's own threads
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
};

constexpr std::initializer_list<const char*> kCredentials = {
    "getegid",   "getegid32",   "geteuid",   "geteuid32",   "getgid",    "getgid32",
    "getgroups", "getgroups32", "getresgid", "getresgid32", "getresuid", "getresuid32",
    "getuid",    "getuid32",    "setfsgid",  "setfsgid32",  "setfsuid",  "setfsuid32",
    "setgid",    "setgid32",    "setgroups", "setgroups32", "setregid",  "setregid32",
    "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid",  "setreuid32",
    "setuid",    "setuid32",
};

constexpr std::initializer_list<const char*> kSignalsAndTimers = {
    "alarm",
    "getitimer",
    "kill",
    "pause",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "setitimer",
    "sigaltstack",
    "sigprocmask",
    "sigreturn",
    "tgkill",
    "tkill",
    // reading clocks, sleeping, POSIX timers (setting a clock is CAP_SYS_TIME below)
    "adjtimex",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "gettimeofday",
    "nanosleep",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
};

// socket itself is filtered by address family below.
constexpr std::initializer_list<const char*> kNetworking = {
    "accept",   "accept4", "bind",     "connect",    "getpeername",     "getsockname", "getsockopt",
    "listen",   "recv",    "recvfrom", "recvmmsg",   "recvmmsg_time64", "recvmsg",     "send",
    "sendmmsg", "sendmsg", "sendto",   "setsockopt", "shutdown",        "socketcall",  "socketpair",
};

constexpr std::initializer_list<const char*> kIpc = {
    "ipc",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
};

// Calls that only make sense with a capability; each group opens when the
// container holds it (the kernel still checks the capability itself).
struct CapabilityGroup {
  const char* capability;
  std::initializer_list<const char*> names;
};
constexpr CapabilityGroup kCapabilityGroups[] = {
    {"CAP_DAC_READ_SEARCH", {"open_by_handle_at"}},
    // mounts, namespaces, host names, new mount API, quotas, BPF and perf
    {"CAP_SYS_ADMIN",
     {"bpf",
      "clone",
      "clone3",
      "fanotify_init",
      "fsconfig",
      "fsmount",
      "fsopen",
      "fspick",
      "lookup_dcookie",
      "lsm_get_self_attr",
      "lsm_list_modules",
      "lsm_set_self_attr",
      "mount",
      "mount_setattr",
      "move_mount",
      "open_tree",
      "perf_event_open",
      "quotactl",
      "quotactl_fd",
      "setdomainname",
      "sethostname",
      "setns",
      "syslog",
      "umount",
      "umount2",
      "unshare"}},
    {"CAP_SYS_BOOT", {"reboot"}},
    {"CAP_SYS_CHROOT", {"chroot"}},
    {"CAP_SYS_MODULE", {"delete_module", "finit_module", "init_module"}},
    {"CAP_SYS_PACCT", {"acct"}},
    {"CAP_SYS_PTRACE",
     {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"}},
    {"CAP_SYS_RAWIO", {"ioperm", "iopl"}},
    {"CAP_SYS_TIME", {"clock_settime", "clock_settime64", "settimeofday", "stime"}},
    {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
    {"CAP_SYS_NICE", {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}},
    {"CAP_SYSLOG", {"syslog"}},
    {"CAP_BPF", {"bpf"}},
    {"CAP_PERFMON", {"perf_event_open"}},
};

// Architecture-specific helpers; `arches` are Docker's (Go) arch names.
struct ArchGroup {
  std::initializer_list<const char*> arches;
  std::initializer_list<const char*> names;
};
constexpr ArchGroup kArchGroups[] = {
    {{"amd64", "x32"}, {"arch_prctl"}},
    {{"amd64", "x32", "x86"}, {"modify_ldt"}},
    {{"arm", "arm64"},
     {"arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls",
      "sync_file_range2"}},
    {{"ppc64le"}, {"swapcontext", "sync_file_range2"}},
    {{"riscv64"}, {"riscv_flush_icache"}},
    {{"s390", "s390x"}, {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"}},
};

// The namespace flags of clone(2): CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
// CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET. Written out so
// the table does not depend on which of them the libc headers define.
constexpr uint64_t kNamespaceCloneFlags =
    0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
// Address families Docker refuses: AF_ALG (38, the kernel crypto API, a
// recurring source of kernel bugs) and AF_VSOCK (40, reaches the host's vsock
// services). Three comparisons because libseccomp has no "not in".
constexpr uint64_t kAfAlg = 38;
constexpr uint64_t kAfNfc = 39;
constexpr uint64_t kAfVsock = 40;

// personality(2) values a container may set: PER_LINUX, PER_LINUX32, each
// with UNAME26, and 0xffffffff, which only queries.
constexpr uint64_t kPersonalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

std::vector<std::string> Names(std::initializer_list<const char*> list) {
  return std::vector<std::string>(list.begin(), list.end());
}

ConditionalRule Allow(std::initializer_list<const char*> names) {
  ConditionalRule r;
  r.rule.names = Names(names);
  r.rule.action = "SCMP_ACT_ALLOW";
  return r;
}

UnresolvedProfile Build() {
  UnresolvedProfile p;
  p.default_action = "SCMP_ACT_ERRNO";
  p.default_errno = EPERM;
  p.arch_map = {
      {"SCMP_ARCH_X86_64", {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
      {"SCMP_ARCH_AARCH64", {"SCMP_ARCH_ARM"}},
      {"SCMP_ARCH_MIPS64", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"}},
      {"SCMP_ARCH_MIPS64N32", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"}},
      {"SCMP_ARCH_MIPSEL64", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"}},
      {"SCMP_ARCH_MIPSEL64N32", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"}},
      {"SCMP_ARCH_S390X", {"SCMP_ARCH_S390"}},
      {"SCMP_ARCH_RISCV64", {}},
      {"SCMP_ARCH_LOONGARCH64", {}},
  };
  for (auto group : {kFiles, kDescriptorsAndIo, kEventsAndPolling, kMemory, kProcesses,
                     kCredentials, kSignalsAndTimers, kNetworking, kIpc}) {
    p.rules.push_back(Allow(group));
  }

  // Since Linux 4.8 seccomp runs again after a tracer changed the syscall, so
  // ptrace cannot be used to bypass the filter; Docker allows it from there.
  ConditionalRule ptrace = Allow({"process_vm_readv", "process_vm_writev", "ptrace"});
  ptrace.includes.min_kernel = KernelVersion{4, 8};
  p.rules.push_back(ptrace);

  // Every address family but AF_ALG and AF_VSOCK, which get the default
  // action (EPERM) as in Docker.
  for (const SeccompArg& arg :
       {SeccompArg{0, kAfAlg, 0, "SCMP_CMP_LT"}, SeccompArg{0, kAfNfc, 0, "SCMP_CMP_EQ"},
        SeccompArg{0, kAfVsock, 0, "SCMP_CMP_GT"}}) {
    ConditionalRule socket = Allow({"socket"});
    socket.rule.args = {arg};
    p.rules.push_back(socket);
  }

  for (uint64_t value : kPersonalities) {
    ConditionalRule r = Allow({"personality"});
    r.rule.args = {{0, value, 0, "SCMP_CMP_EQ"}};
    p.rules.push_back(r);
  }

  for (const ArchGroup& g : kArchGroups) {
    ConditionalRule r = Allow(g.names);
    r.includes.arches = Names(g.arches);
    p.rules.push_back(r);
  }

  for (const CapabilityGroup& g : kCapabilityGroups) {
    ConditionalRule r = Allow(g.names);
    r.includes.caps = {g.capability};
    p.rules.push_back(r);
  }

  // Without CAP_SYS_ADMIN, clone is allowed only without namespace flags. The
  // flags are argument 0 everywhere but on s390, where they come second.
  ConditionalRule clone = Allow({"clone"});
  clone.rule.args = {{0, kNamespaceCloneFlags, 0, "SCMP_CMP_MASKED_EQ"}};
  clone.excludes.caps = {"CAP_SYS_ADMIN"};
  clone.excludes.arches = {"s390", "s390x"};
  p.rules.push_back(clone);
  ConditionalRule clone_s390 = Allow({"clone"});
  clone_s390.rule.args = {{1, kNamespaceCloneFlags, 0, "SCMP_CMP_MASKED_EQ"}};
  clone_s390.includes.arches = {"s390", "s390x"};
  clone_s390.excludes.caps = {"CAP_SYS_ADMIN"};
  clone_s390.comment = "s390 passes the clone flags as the second argument";
  p.rules.push_back(clone_s390);

  // clone3 passes its flags in memory, which seccomp cannot read. ENOSYS
  // makes glibc and others fall back to clone, whose flags are checked above.
  ConditionalRule clone3;
  clone3.rule.names = {"clone3"};
  clone3.rule.action = "SCMP_ACT_ERRNO";
  clone3.rule.errno_ret = ENOSYS;
  clone3.excludes.caps = {"CAP_SYS_ADMIN"};
  p.rules.push_back(clone3);
  return p;
}

}  // namespace

const UnresolvedProfile& DefaultProfileTable() {
  static const UnresolvedProfile* const kTable = new UnresolvedProfile(Build());
  return *kTable;
}

}  // namespace berth::runtimed::security::internal
