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

/* seqcount_latch_t: two copies of the data, and a sequence whose low bit
 * says which copy readers use (include/linux/seqlock.h, "latch"). Readers
 * never wait for a writer: while copy 0 is being written they read copy 1,
 * and the other way round; they retry only when the sequence moved while
 * they read. The writer (one at a time, serialised by the caller):
 *
 *   write_seqcount_latch_begin(&l->seq);   // sequence odd: readers to copy 1
 *   modify(l->data[0]);
 *   write_seqcount_latch(&l->seq);         // sequence even: readers to copy 0
 *   modify(l->data[1]);
 *   write_seqcount_latch_end(&l->seq);
 *
 * The reader:
 *
 *   do {
 *     seq = read_seqcount_latch(&l->seq);
 *     copy = l->data[seq & 1];  ... read it ...
 *   } while (read_seqcount_latch_retry(&l->seq, seq));
 *
 * Names: raw_write_seqcount_latch, raw_read_seqcount_latch and
 * read_seqcount_latch_retry follow v5.10 .. v6.12 (seqcount_latch_t came in
 * v5.10; read_seqcount_latch_retry replaced read_seqcount_retry on a latch
 * in v6.4); read_seqcount_latch, raw_read_seqcount_latch_retry and
 * write_seqcount_latch_begin / write_seqcount_latch / write_seqcount_latch_end
 * follow v6.13, where the non-raw forms only add KCSAN annotations (none
 * here, so each equals its raw form).
 *
 * Memory ordering, in the C11/C++ model:
 *   raw_read_seqcount_latch   relaxed load, then smp_rmb (acquire fence).
 *                             The kernel needs no barrier here: the copy's
 *                             address depends on the loaded value. C11 has
 *                             no usable consume, so the fence says it; on
 *                             x86 it is a compiler barrier either way. Pairs
 *                             with the first smp_wmb of the flip.
 *   ..._latch_retry           smp_rmb, then relaxed load: pairs with the
 *                             second smp_wmb of the flip, so a reader that
 *                             saw any store made to its copy after a flip
 *                             also sees that flip, and retries.
 *   raw_write_seqcount_latch  smp_wmb (the last copy's stores before the
 *                             flip), sequence++, smp_wmb (the flip before
 *                             the next copy's stores). */
typedef struct {
  seqcount_t seqcount;
} seqcount_latch_t;

#define SEQCNT_LATCH_ZERO(name) \
  { SEQCNT_ZERO(name.seqcount) }
static inline void seqcount_latch_init(seqcount_latch_t* s) { seqcount_init(&s->seqcount); }

static inline unsigned raw_read_seqcount_latch(const seqcount_latch_t* s) {
  unsigned ret = __atomic_load_n(&s->seqcount.sequence, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_ACQUIRE); /* smp_rmb: pairs with the flip's first smp_wmb */
  return ret;
}
static inline unsigned read_seqcount_latch(const seqcount_latch_t* s) { return raw_read_seqcount_latch(s); }

static inline int raw_read_seqcount_latch_retry(const seqcount_latch_t* s, unsigned start) {
  __atomic_thread_fence(__ATOMIC_ACQUIRE); /* smp_rmb: pairs with the flip's second smp_wmb */
  return __builtin_expect(__atomic_load_n(&s->seqcount.sequence, __ATOMIC_RELAXED) != start, 0);
}
static inline int read_seqcount_latch_retry(const seqcount_latch_t* s, unsigned start) {
  return raw_read_seqcount_latch_retry(s, start);
}

/* Redirects readers to the other copy. */
static inline void raw_write_seqcount_latch(seqcount_latch_t* s) {
  __atomic_thread_fence(__ATOMIC_RELEASE); /* smp_wmb: the previous copy's stores before the flip */
  __atomic_store_n(&s->seqcount.sequence, __atomic_load_n(&s->seqcount.sequence, __ATOMIC_RELAXED) + 1,
                   __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE); /* smp_wmb: the flip before the next copy's stores */
}
static inline void write_seqcount_latch_begin(seqcount_latch_t* s) { raw_write_seqcount_latch(s); }
static inline void write_seqcount_latch(seqcount_latch_t* s) { raw_write_seqcount_latch(s); }
static inline void write_seqcount_latch_end(seqcount_latch_t* s) { (void)s; }

#endif /* POKEBENCH_KERNEL_SEQCOUNT_H */
