/* The IRQ-mask hook behind <linux/irqflags.h>, without its macros, for C++
 * code (the harness) whose own local_irq_save() etc. the macros would hide.
 * See linux/irqflags.h. */
#ifndef POKEBENCH_KERNEL_IRQ_HOOK_H
#define POKEBENCH_KERNEL_IRQ_HOOK_H

#ifdef __cplusplus
extern "C" {
#endif

struct pokebench_irq_ops {
  void (*disable)(void);
  void (*enable)(void);
  unsigned long (*save)(void); /* masks; returns the previous state for restore */
  void (*restore)(unsigned long flags);
  int (*disabled)(void);
};

/* For the calling thread only; NULL restores the per-thread flag. */
void pokebench_set_thread_irq_ops(const struct pokebench_irq_ops* ops);

void pokebench_local_irq_disable(void);
void pokebench_local_irq_enable(void);
unsigned long pokebench_local_irq_save(void);
void pokebench_local_irq_restore(unsigned long flags);
int pokebench_irqs_disabled(void);

#ifdef __cplusplus
}
#endif

#endif /* POKEBENCH_KERNEL_IRQ_HOOK_H */
