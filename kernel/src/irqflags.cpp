// The IRQ mask hook of <linux/irqflags.h>: the calling thread's own
// operations if it installed some (the harness's vCPUs do), else a
// per-thread flag that only irqs_disabled() reads.
#include <linux/irqflags.h>

namespace {

thread_local const pokebench_irq_ops* t_ops = nullptr;
thread_local bool t_masked = false;

}  // namespace

extern "C" {

void pokebench_set_thread_irq_ops(const struct pokebench_irq_ops* ops) { t_ops = ops; }

void pokebench_local_irq_disable(void) {
  if (t_ops != nullptr) return t_ops->disable();
  t_masked = true;
}

void pokebench_local_irq_enable(void) {
  if (t_ops != nullptr) return t_ops->enable();
  t_masked = false;
}

unsigned long pokebench_local_irq_save(void) {
  if (t_ops != nullptr) return t_ops->save();
  const bool was = t_masked;
  t_masked = true;
  return was ? 1 : 0;
}

void pokebench_local_irq_restore(unsigned long flags) {
  if (t_ops != nullptr) return t_ops->restore(flags);
  t_masked = flags != 0;
}

int pokebench_irqs_disabled(void) {
  if (t_ops != nullptr) return t_ops->disabled();
  return t_masked ? 1 : 0;
}

}  // extern "C"
