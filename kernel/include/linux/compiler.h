/* The kernel's compiler helpers that kernel code uses unqualified
 * (include/linux/compiler.h, compiler_attributes.h). In C++ `likely` and
 * `unlikely` are macros here too, so C++20's [[likely]] cannot be spelled
 * in a file that includes kernel headers; `noinline` is defined for C only
 * (it would break C++'s [[gnu::noinline]]). */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely_notrace(x) likely(x)
#define unlikely_notrace(x) unlikely(x)

/* A compiler barrier: no memory access is moved across it. */
#define barrier() __asm__ __volatile__("" : : : "memory")

/* One untorn access the compiler may not merge, repeat or drop. */
#define READ_ONCE(x) (*(const volatile __typeof__(x)*)&(x))
#define WRITE_ONCE(x, val)                  \
  do {                                      \
    *(volatile __typeof__(x)*)&(x) = (val); \
  } while (0)

#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#ifndef __cplusplus
#define noinline __attribute__((__noinline__))
#endif
#define __maybe_unused __attribute__((__unused__))
#define __used __attribute__((__used__))
#define __weak __attribute__((__weak__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __section(s) __attribute__((__section__(s)))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define __noreturn __attribute__((__noreturn__))
#define __must_check __attribute__((__warn_unused_result__))

#endif /* _LINUX_COMPILER_H */
