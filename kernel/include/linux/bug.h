/* WARN*, BUG* and BUILD_BUG_ON (include/asm-generic/bug.h, build_bug.h).
 * WARN_ON(cond) and friends yield the condition, as the kernel's do; every
 * WARN prints a `WARNING at file:line` line and is counted (the module runner
 * fails a run in which any fired); the _ONCE forms fire once per call site.
 * BUG() prints and aborts the process. */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H

#include <linux/compiler.h>
#include <pokebench/patcher/warn.h>

#ifdef __cplusplus
extern "C" {
#endif
/* Prints `pokebench: error: BUG at file:line func()` and aborts. */
__attribute__((__noreturn__)) void pokebench_bug(const char* file, int line, const char* func, const char* what);
#ifdef __cplusplus
}
#endif

#define WARN(cond, ...) POKEBENCH_WARN(cond, __VA_ARGS__)
#define WARN_ONCE(cond, ...) POKEBENCH_WARN_ONCE(cond, __VA_ARGS__)
#define WARN_ON(cond) POKEBENCH_WARN(cond, "WARN_ON(%s)", #cond)
#define WARN_ON_ONCE(cond) POKEBENCH_WARN_ONCE(cond, "WARN_ON_ONCE(%s)", #cond)

#define BUG() pokebench_bug(__FILE__, __LINE__, __func__, "BUG()")
#define BUG_ON(cond)                                                                      \
  do {                                                                                    \
    if (unlikely(cond)) pokebench_bug(__FILE__, __LINE__, __func__, "BUG_ON(" #cond ")"); \
  } while (0)

#ifdef __cplusplus
#define BUILD_BUG_ON_MSG(cond, msg) static_assert(!(cond), msg)
#else
#define BUILD_BUG_ON_MSG(cond, msg) _Static_assert(!(cond), msg)
#endif
#define BUILD_BUG_ON(cond) BUILD_BUG_ON_MSG(cond, "BUILD_BUG_ON failed: " #cond)

#endif /* _LINUX_BUG_H */
