/* seqcount_t and its read/write functions, the part of <linux/seqlock.h>
 * that needs no other kernel header and defines no macro, so that C++ code
 * with its own cpu_relax() or local_irq_save() (the harness) can use the
 * kernel's seqcount itself. Semantics and memory ordering: linux/seqlock.h.
 * Every smp_rmb / smp_wmb is spelled here as the fence asm/barrier.h maps it
 * to. */
#ifndef POKEBENCH_KERNEL_SEQCOUNT_H
#define POKEBENCH_KERNEL_SEQCOUNT_H

typedef struct seqcount {
  unsigned sequence;
} seqcount_t;

#define SEQCNT_ZERO(name) \
  { 0 }
static inline void seqcount_init(seqcount_t* s) { __atomic_store_n(&s->sequence, 0, __ATOMIC_RELAXED); }

/* The sequence once it is even (no write in progress); no barrier. */
static inline unsigned __read_seqcount_begin(const seqcount_t* s) {
  unsigned ret;
  while ((ret = __atomic_load_n(&s->sequence, __ATOMIC_RELAXED)) & 1) __builtin_ia32_pause();
  return ret;
}

/* One load, whatever its parity, then smp_rmb (pairs with write_seqcount_end). */
static inline unsigned raw_read_seqcount(const seqcount_t* s) {
  unsigned ret = __atomic_load_n(&s->sequence, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_ACQUIRE); /* smp_rmb */
  return ret;
}

static inline unsigned raw_read_seqcount_begin(const seqcount_t* s) {
  unsigned ret = __read_seqcount_begin(s);
  __atomic_thread_fence(__ATOMIC_ACQUIRE); /* smp_rmb: pairs with the smp_wmb in write_seqcount_end */
  return ret;
}
static inline unsigned read_seqcount_begin(const seqcount_t* s) { return raw_read_seqcount_begin(s); }

/* Never waits: an odd value is returned rounded down, so retry fails. */
static inline unsigned raw_seqcount_begin(const seqcount_t* s) {
  unsigned ret = __atomic_load_n(&s->sequence, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_ACQUIRE); /* smp_rmb */
  return ret & ~1u;
}

/* No barrier: the caller orders its data loads before this one. */
static inline int __read_seqcount_retry(const seqcount_t* s, unsigned start) {
  return __builtin_expect(__atomic_load_n(&s->sequence, __ATOMIC_RELAXED) != start, 0);
}
static inline int read_seqcount_retry(const seqcount_t* s, unsigned start) {
  __atomic_thread_fence(__ATOMIC_ACQUIRE); /* smp_rmb: pairs with the smp_wmb in write_seqcount_begin */
  return __read_seqcount_retry(s, start);
}

static inline void raw_write_seqcount_begin(seqcount_t* s) {
  __atomic_store_n(&s->sequence, __atomic_load_n(&s->sequence, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
  /* smp_wmb: the odd value before the data stores; pairs with read_seqcount_retry's smp_rmb */
  __atomic_thread_fence(__ATOMIC_RELEASE);
}
static inline void raw_write_seqcount_end(seqcount_t* s) {
  /* smp_wmb: the data stores before the even value; pairs with read_seqcount_begin's smp_rmb */
  __atomic_thread_fence(__ATOMIC_RELEASE);
  __atomic_store_n(&s->sequence, __atomic_load_n(&s->sequence, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}
static inline void write_seqcount_begin(seqcount_t* s) { raw_write_seqcount_begin(s); }
static inline void write_seqcount_end(seqcount_t* s) { raw_write_seqcount_end(s); }
/* Makes every reader that began before it retry (sequence += 2). */
static inline void write_seqcount_invalidate(seqcount_t* s) {
  __atomic_thread_fence(__ATOMIC_RELEASE); /* smp_wmb */
  __atomic_store_n(&s->sequence, __atomic_load_n(&s->sequence, __ATOMIC_RELAXED) + 2, __ATOMIC_RELAXED);
}

#endif /* POKEBENCH_KERNEL_SEQCOUNT_H */
