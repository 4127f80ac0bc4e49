/* C consumer of <linux/seqlock.h> alone: a writer thread updates two words
 * that must always be equal; readers must never see them differ once their
 * retry loop accepted the read. The _irqsave writer masks IRQs through this
 * thread's installed operations, and only through them. */
#include <linux/seqlock.h>

#include <linux/module.h>
#include <pthread.h>

static DEFINE_SEQLOCK(use_seqlock_lock);
static seqcount_t use_seqlock_count = SEQCNT_ZERO(use_seqlock_count);
static unsigned long word_a, word_b;
static int stop_writer;

static void* writer(void* arg) {
  unsigned long i;
  (void)arg;
  for (i = 1; !__atomic_load_n(&stop_writer, __ATOMIC_RELAXED); i++) {
    write_seqlock(&use_seqlock_lock);
    WRITE_ONCE(word_a, i);
    WRITE_ONCE(word_b, i);
    write_sequnlock(&use_seqlock_lock);
  }
  return NULL;
}

static int saves, restores, masked;
static void ops_disable(void) { masked = 1; }
static void ops_enable(void) { masked = 0; }
static unsigned long ops_save(void) {
  unsigned long was = masked;
  saves++;
  masked = 1;
  return was;
}
static void ops_restore(unsigned long flags) {
  restores++;
  masked = (int)flags;
}
static int ops_disabled(void) { return masked; }
static const struct pokebench_irq_ops counting_ops = {ops_disable, ops_enable, ops_save, ops_restore, ops_disabled};

static int use_seqlock_init(void) {
  pthread_t thread;
  unsigned long a, b, flags, reads = 0, torn = 0;
  unsigned seq;

  if (pthread_create(&thread, NULL, writer, NULL) != 0) return -EAGAIN;
  for (reads = 0; reads < 200000; reads++) {
    do {
      seq = read_seqbegin(&use_seqlock_lock);
      a = READ_ONCE(word_a);
      b = READ_ONCE(word_b);
    } while (read_seqretry(&use_seqlock_lock, seq));
    if (a != b) torn++;
  }
  __atomic_store_n(&stop_writer, 1, __ATOMIC_RELAXED);
  pthread_join(thread, NULL);
  if (torn != 0) {
    pr_err("use_seqlock: %lu torn reads of %lu\n", torn, reads);
    return -EIO;
  }

  /* A plain seqcount: begin/retry, raw_ and __ forms. */
  seq = read_seqcount_begin(&use_seqlock_count);
  if (read_seqcount_retry(&use_seqlock_count, seq)) return -EINVAL;
  write_seqcount_begin(&use_seqlock_count);
  if (raw_seqcount_begin(&use_seqlock_count) != 0 || (raw_read_seqcount(&use_seqlock_count) & 1) == 0) return -EINVAL;
  write_seqcount_end(&use_seqlock_count);
  if (!read_seqcount_retry(&use_seqlock_count, seq)) return -EINVAL;
  seq = raw_read_seqcount_begin(&use_seqlock_count);
  smp_rmb();
  if (seq != 2 || __read_seqcount_retry(&use_seqlock_count, seq)) return -EINVAL;

  /* _irqsave masks through this thread's operations. */
  write_seqlock_irqsave(&use_seqlock_lock, flags);
  if (!irqs_disabled()) return -EINVAL; /* the default per-thread flag */
  write_sequnlock_irqrestore(&use_seqlock_lock, flags);
  if (irqs_disabled()) return -EINVAL;
  pokebench_set_thread_irq_ops(&counting_ops);
  write_seqlock_irqsave(&use_seqlock_lock, flags);
  write_sequnlock_irqrestore(&use_seqlock_lock, flags);
  write_seqlock_irq(&use_seqlock_lock);
  if (!irqs_disabled()) return -EINVAL;
  write_sequnlock_irq(&use_seqlock_lock);
  pokebench_set_thread_irq_ops(NULL);
  if (saves != 1 || restores != 1 || masked != 0) return -EINVAL;
  pr_info("use_seqlock: %lu reads under a running writer, none torn\n", reads);
  return 0;
}
module_init(use_seqlock_init);
