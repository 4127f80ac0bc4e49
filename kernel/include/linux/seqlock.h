/* seqcount_t and seqlock_t (include/linux/seqlock.h, the v4.x API; later
 * kernels keep these names), and seqcount_latch_t (v5.10 .. v6.13 names,
 * pokebench/kernel/seqcount.h says which follows which), for C and C++.
 *
 *   reader:  do {
 *              seq = read_seqcount_begin(&s);   // waits while odd, then smp_rmb
 *              ... read the protected data ...
 *            } while (read_seqcount_retry(&s, seq));   // smp_rmb, compare
 *   writer:  write_seqcount_begin(&s);   // sequence++ (odd), smp_wmb
 *            ... write the data ...
 *            write_seqcount_end(&s);     // smp_wmb, sequence++ (even)
 *
 * Memory ordering, the kernel's, in the C11/C++ model (asm/barrier.h):
 *   begin:    relaxed load of the sequence, then smp_rmb (acquire fence):
 *             pairs with the smp_wmb in write_seqcount_end, so data read
 *             after begin is at least as new as the even value seen
 *   retry:    smp_rmb, then relaxed load: pairs with the smp_wmb in
 *             write_seqcount_begin, so a reader that saw any data store of
 *             a write also sees that write's odd (or later) value
 *   w.begin:  sequence++ (relaxed: writers are serialised by their lock),
 *             smp_wmb (release fence) before the data stores
 *   w.end:    smp_wmb, then sequence++
 * On x86 every fence here is a compiler barrier only, as in the kernel.
 * The protected data should be read and written with READ_ONCE/WRITE_ONCE
 * (or relaxed atomics in C++) for the model to call the race benign.
 *
 * raw_ forms skip lockdep (there is none here, so they equal the plain
 * ones); __ forms have no barrier: the caller supplies smp_rmb. */
#ifndef _LINUX_SEQLOCK_H
#define _LINUX_SEQLOCK_H

#include <asm/barrier.h>
#include <linux/compiler.h>
#include <linux/spinlock.h>

#include <pokebench/kernel/reader_hook.h>
#include <pokebench/kernel/seqcount.h>

/* Kernel code's readers call the thread's reader hook first
 * (pokebench/kernel/reader_hook.h). A macro naming itself expands once: the
 * inner name is the function. Code whose readers run on plain threads and
 * are timed (bench/src/neighbours.cpp) defines POKEBENCH_KERNEL_NO_READER_HOOK
 * before including this header: its readers then cost what the kernel's do. */
#ifndef POKEBENCH_KERNEL_NO_READER_HOOK
#define read_seqcount_begin(s) (pokebench_reader_hook(), read_seqcount_begin(s))
#define read_seqcount_retry(s, start) (pokebench_reader_hook(), read_seqcount_retry(s, start))
#define read_seqcount_latch_retry(s, start) (pokebench_reader_hook(), read_seqcount_latch_retry(s, start))
#endif

/* seqlock_t: a seqcount whose writers are serialised by a spinlock. */
typedef struct {
  struct seqcount seqcount;
  spinlock_t lock;
} seqlock_t;

#define __SEQLOCK_UNLOCKED(name) \
  { SEQCNT_ZERO(name), __SPIN_LOCK_UNLOCKED(name) }
#define DEFINE_SEQLOCK(name) seqlock_t name = __SEQLOCK_UNLOCKED(name)
#define seqlock_init(sl)            \
  do {                              \
    seqcount_init(&(sl)->seqcount); \
    spin_lock_init(&(sl)->lock);    \
  } while (0)

static inline unsigned read_seqbegin(const seqlock_t* sl) { return read_seqcount_begin(&sl->seqcount); }
static inline unsigned read_seqretry(const seqlock_t* sl, unsigned start) {
  return read_seqcount_retry(&sl->seqcount, start);
}

static inline void write_seqlock(seqlock_t* sl) {
  spin_lock(&sl->lock);
  write_seqcount_begin(&sl->seqcount);
}
static inline void write_sequnlock(seqlock_t* sl) {
  write_seqcount_end(&sl->seqcount);
  spin_unlock(&sl->lock);
}
static inline void write_seqlock_irq(seqlock_t* sl) {
  spin_lock_irq(&sl->lock);
  write_seqcount_begin(&sl->seqcount);
}
static inline void write_sequnlock_irq(seqlock_t* sl) {
  write_seqcount_end(&sl->seqcount);
  spin_unlock_irq(&sl->lock);
}
static inline unsigned long __write_seqlock_irqsave(seqlock_t* sl) {
  unsigned long flags;
  spin_lock_irqsave(&sl->lock, flags);
  write_seqcount_begin(&sl->seqcount);
  return flags;
}
#define write_seqlock_irqsave(sl, flags)   \
  do {                                     \
    (flags) = __write_seqlock_irqsave(sl); \
  } while (0)
static inline void write_sequnlock_irqrestore(seqlock_t* sl, unsigned long flags) {
  write_seqcount_end(&sl->seqcount);
  spin_unlock_irqrestore(&sl->lock, flags);
}

/* Readers that must not retry: they take the writers' lock instead. */
static inline void read_seqlock_excl(seqlock_t* sl) { spin_lock(&sl->lock); }
static inline void read_sequnlock_excl(seqlock_t* sl) { spin_unlock(&sl->lock); }

#endif /* _LINUX_SEQLOCK_H */
