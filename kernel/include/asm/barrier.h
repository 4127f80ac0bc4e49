/* x86-64 memory barriers (arch/x86/include/asm/barrier.h) in the C11/C++
 * memory model. On x86 smp_rmb and smp_wmb are compiler barriers only (TSO
 * keeps loads in order and stores in order); as acquire/release fences they
 * compile to exactly that, and tell the compiler what they order. */
#ifndef _ASM_X86_BARRIER_H
#define _ASM_X86_BARRIER_H

#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define mb() smp_mb()
#define rmb() smp_rmb()
#define wmb() smp_wmb()
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define cpu_relax() __builtin_ia32_pause()

#endif /* _ASM_X86_BARRIER_H */
