/* secprobe: tries one privileged operation from inside a container and says
 * what the kernel answered, so a test can tell "refused" (EPERM, EACCES, ...)
 * from "absent" (ENOENT, ENOSYS) and from "allowed". Built static (cc -static)
 * because the test images have no libc.
 *
 * usage: secprobe OPERATION [ARG]
 * prints "OPERATION: ok" (exit 0) or "OPERATION: errno=N NAME (text)" (exit 1);
 * exit 2 on bad usage. Every operation is harmless when it succeeds: the clock
 * is set to the time it already has, the module image is garbage, the key
 * goes into the probe's own session keyring. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char* ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    case ENOEXEC: return "ENOEXEC";
    case EROFS: return "EROFS";
    case EFAULT: return "EFAULT";
    case EBADF: return "EBADF";
    case ENOKEY: return "ENOKEY";
    case EDQUOT: return "EDQUOT";
    default: return "OTHER";
  }
}

static int Report(const char* op, long rc) {
  if (rc >= 0) {
    printf("%s: ok\n", op);
    return 0;
  }
  int err = errno;
  printf("%s: errno=%d %s (%s)\n", op, err, ErrnoName(err), strerror(err));
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: secprobe OPERATION [ARG]\n");
    return 2;
  }
  const char* op = argv[1];
  const char* arg = argc > 2 ? argv[2] : NULL;
  if (strcmp(op, "add_key") == 0) {
    /* KEY_SPEC_SESSION_KEYRING = -3 */
    return Report(op, syscall(SYS_add_key, "user", "berth-probe", "x", 1, -3));
  }
  if (strcmp(op, "keyctl") == 0) {
    /* KEYCTL_GET_KEYRING_ID = 0, of KEY_SPEC_SESSION_KEYRING, create = 0 */
    return Report(op, syscall(SYS_keyctl, 0, -3, 0));
  }
  if (strcmp(op, "init_module") == 0) {
    static const char kGarbage[64] = "not an ELF module";
    return Report(op, syscall(SYS_init_module, kGarbage, sizeof(kGarbage), ""));
  }
  if (strcmp(op, "finit_module") == 0) {
    int fd = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Report("open /bin/busybox", -1);
    return Report(op, syscall(SYS_finit_module, fd, "", 0));
  }
  if (strcmp(op, "clock_settime") == 0) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return Report(op, clock_settime(CLOCK_REALTIME, &now));
  }
  if (strcmp(op, "mount") == 0) {
    return Report(op, mount("t", arg ? arg : "/tmp", "tmpfs", 0, "size=16k"));
  }
  if (strcmp(op, "unshare_user") == 0) {
    return Report(op, unshare(CLONE_NEWUSER));
  }
  if (strcmp(op, "unshare_mount") == 0) {
    return Report(op, unshare(CLONE_NEWNS));
  }
  if (strcmp(op, "read") == 0 && arg) {
    /* Opens and reads a few bytes: "ok" only when data came back. */
    int fd = open(arg, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return Report("open", -1);
    char buf[16];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n == 0) {
      printf("read: empty\n");
      return 1;
    }
    return Report(op, n);
  }
  if (strcmp(op, "write") == 0 && arg) {
    int fd = open(arg, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
    return Report(op, fd);
  }
  fprintf(stderr, "secprobe: unknown operation '%s'\n", op);
  return 2;
}
