/* C consumer of <linux/seqlock.h>'s seqcount_latch_t: two copies of a pair
 * of words that must always be equal.
 *   1. Readers never wait: with a write stopped half-way through copy 0,
 *      a read returns copy 1 whole at once, and its retry passes.
 *   2. Negative control of the torn-pair oracle: reading copy 0 at that
 *      moment (the copy the sequence does not pick) is torn.
 *   3. Under a running writer thread, no accepted read is torn, and the
 *      raw_ (v5.10 .. v6.12) and v6.13 writer names both work. */
#include <linux/seqlock.h>

#include <linux/module.h>
#include <pthread.h>

struct pair {
  unsigned long a, b;
};
static struct {
  seqcount_latch_t seq;
  struct pair data[2];
} latch = {SEQCNT_LATCH_ZERO(latch.seq), {{0, 0}, {0, 0}}};
static int stop_writer;

static void pair_set_half(struct pair* p, unsigned long v) { WRITE_ONCE(p->a, v); }
static void pair_set(struct pair* p, unsigned long v) {
  WRITE_ONCE(p->a, v);
  WRITE_ONCE(p->b, v);
}
static int pair_torn(const struct pair* p) { return READ_ONCE(p->a) != READ_ONCE(p->b); }

/* The v6.13 writer. */
static void latch_update(unsigned long v) {
  write_seqcount_latch_begin(&latch.seq);
  pair_set(&latch.data[0], v);
  write_seqcount_latch(&latch.seq);
  pair_set(&latch.data[1], v);
  write_seqcount_latch_end(&latch.seq);
}
/* The v5.10 .. v6.12 writer. */
static void latch_update_raw(unsigned long v) {
  raw_write_seqcount_latch(&latch.seq);
  pair_set(&latch.data[0], v);
  raw_write_seqcount_latch(&latch.seq);
  pair_set(&latch.data[1], v);
}

/* One accepted read; *tries counts the passes. */
static struct pair latch_read(unsigned* tries) {
  struct pair copy;
  unsigned seq;
  *tries = 0;
  do {
    seq = raw_read_seqcount_latch(&latch.seq);
    copy.a = READ_ONCE(latch.data[seq & 1].a);
    copy.b = READ_ONCE(latch.data[seq & 1].b);
    ++*tries;
  } while (read_seqcount_latch_retry(&latch.seq, seq));
  return copy;
}

static void* writer(void* arg) {
  unsigned long i;
  (void)arg;
  for (i = 1; !__atomic_load_n(&stop_writer, __ATOMIC_RELAXED); i++) {
    if (i & 1)
      latch_update(i);
    else
      latch_update_raw(i);
  }
  return NULL;
}

static int use_seqlock_latch_init(void) {
  pthread_t thread;
  struct pair p;
  unsigned tries, seq;
  unsigned long reads, torn = 0, retried = 0;

  /* 1 and 2: a write stopped half-way through copy 0. */
  latch_update(7);
  write_seqcount_latch_begin(&latch.seq);
  pair_set_half(&latch.data[0], 8);
  seq = read_seqcount_latch(&latch.seq);
  p = latch_read(&tries);
  if ((seq & 1) != 1 || tries != 1 || p.a != 7 || p.b != 7) {
    pr_err("use_seqlock_latch: a read during a write waited or took the wrong copy (%u tries, %lu/%lu)\n", tries, p.a,
           p.b);
    return -EINVAL;
  }
  if (!pair_torn(&latch.data[0])) {
    pr_err("use_seqlock_latch: the oracle missed copy 0 half written\n");
    return -EINVAL;
  }
  pair_set(&latch.data[0], 8);
  write_seqcount_latch(&latch.seq);
  pair_set(&latch.data[1], 8);
  write_seqcount_latch_end(&latch.seq);
  p = latch_read(&tries);
  if (p.a != 8 || raw_read_seqcount_latch_retry(&latch.seq, raw_read_seqcount_latch(&latch.seq) - 1) == 0)
    return -EINVAL;

  /* 3: a running writer. */
  if (pthread_create(&thread, NULL, writer, NULL) != 0) return -EAGAIN;
  for (reads = 0; reads < 200000; reads++) {
    p = latch_read(&tries);
    torn += p.a != p.b;
    retried += tries > 1;
  }
  __atomic_store_n(&stop_writer, 1, __ATOMIC_RELAXED);
  pthread_join(thread, NULL);
  if (torn != 0) {
    pr_err("use_seqlock_latch: %lu torn reads of %lu\n", torn, reads);
    return -EIO;
  }
  pr_info(
      "use_seqlock_latch: a read during a write took the other copy at once; %lu reads under a running writer "
      "(%lu retried), none torn\n",
      reads, retried);
  return 0;
}
module_init(use_seqlock_latch_init);
