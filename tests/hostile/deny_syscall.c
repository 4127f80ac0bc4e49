/* deny_syscall NAME COMMAND [ARGS...]: runs COMMAND with one system call made
 * to fail with ENOSYS, the way a container's seccomp profile refuses calls it
 * does not know. The hostile tests use it to take membarrier() away and check
 * that every command says so instead of measuring junk.
 *
 * The filter is classic BPF on seccomp_data (linux/seccomp.h, linux/filter.h):
 * check the architecture, load the call number, compare, return. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static long syscall_number(const char* name) {
  if (strcmp(name, "membarrier") == 0) return SYS_membarrier;
  if (strcmp(name, "process_vm_writev") == 0) return SYS_process_vm_writev;
  return -1;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: deny_syscall membarrier|process_vm_writev COMMAND [ARGS...]\n");
    return 2;
  }
  const long nr = syscall_number(argv[1]);
  if (nr < 0) {
    fprintf(stderr, "deny_syscall: unknown system call '%s'\n", argv[1]);
    return 2;
  }
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    perror("deny_syscall: installing the seccomp filter");
    return 77;
  }
  execvp(argv[2], argv + 2);
  perror("deny_syscall: exec");
  return 127;
}
