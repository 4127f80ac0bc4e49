/* Kernel-style warnings (WARN, WARN_ON_ONCE) for C and C++: one process-wide
 * count, so that a runner can fail a run in which any warning fired.
 *
 * The once-per-call-site state belongs to the caller (a static flag in each
 * expansion of the macro, as the kernel's __warned), not to this function.
 */
#ifndef POKEBENCH_PATCHER_WARN_H
#define POKEBENCH_PATCHER_WARN_H

#ifdef __cplusplus
extern "C" {
#endif

/* Reports `pokebench: warning: WARNING at FILE:LINE FUNC(): MESSAGE` (support's sink)
 * and counts it. `fmt` may be NULL (no message). */
void pokebench_warn(const char* file, int line, const char* func, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Warnings printed so far in this process. */
unsigned long pokebench_warn_count(void);

/* True exactly once per flag: the first caller to see `*once` clear sets it. */
static inline int pokebench_warn_first(int* once) { return !__atomic_exchange_n(once, 1, __ATOMIC_RELAXED); }

#ifdef __cplusplus
}
#endif

/* The kernel's WARN_ON_ONCE / WARN_ONCE / WARN, as statement expressions
 * yielding the condition. Each expansion has its own `once` flag. */
#define POKEBENCH_WARN(cond, ...)                                                                      \
  ({                                                                                                   \
    int pb_warn_cond_ = !!(cond);                                                                      \
    if (__builtin_expect(pb_warn_cond_, 0)) pokebench_warn(__FILE__, __LINE__, __func__, __VA_ARGS__); \
    __builtin_expect(pb_warn_cond_, 0);                                                                \
  })
#define POKEBENCH_WARN_ONCE(cond, ...)                                           \
  ({                                                                             \
    static int pb_warned_;                                                       \
    int pb_warn_cond_ = !!(cond);                                                \
    if (__builtin_expect(pb_warn_cond_, 0) && pokebench_warn_first(&pb_warned_)) \
      pokebench_warn(__FILE__, __LINE__, __func__, __VA_ARGS__);                 \
    __builtin_expect(pb_warn_cond_, 0);                                          \
  })

#endif /* POKEBENCH_PATCHER_WARN_H */
