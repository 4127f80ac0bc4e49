/* An LD_PRELOAD library that makes writes to /proc/self/mem report success
 * and change nothing, as some sandboxes do. The hostile tests load it to check
 * that the procmem backend is refused with the reason instead of aborting on
 * the patcher's read-back check. Every other pwrite goes to the C library. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int is_proc_mem(int fd) {
  char link[64], target[256];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = '\0';
  const size_t len = (size_t)n;
  return len > 4 && strcmp(target + len - 4, "/mem") == 0 && strncmp(target, "/proc/", 6) == 0;
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off_t);
  if (!real) real = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
  if (is_proc_mem(fd)) return (ssize_t)count;
  return real(fd, buf, count, offset);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) { return pwrite64(fd, buf, count, offset); }
