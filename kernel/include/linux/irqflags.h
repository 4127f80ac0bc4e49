/* local_irq_save/restore and friends (include/linux/irqflags.h).
 *
 * Userspace threads have no interrupts; what masking means is the business
 * of whoever runs the thread. A thread may install its own operations
 * (pokebench_set_thread_irq_ops): the harness does so on each vCPU, whose
 * soft IRQ mask then holds off IPIs such as the patcher's sync, exactly what
 * the kernel's IRQ-off sections do. A thread without them gets a per-thread
 * flag that only irqs_disabled() reads. These headers do not depend on the
 * harness: it plugs in. */
#ifndef _LINUX_IRQFLAGS_H
#define _LINUX_IRQFLAGS_H

#include <pokebench/kernel/irq_hook.h>

#define local_irq_disable() pokebench_local_irq_disable()
#define local_irq_enable() pokebench_local_irq_enable()
#define local_irq_save(flags)             \
  do {                                    \
    (flags) = pokebench_local_irq_save(); \
  } while (0)
#define local_irq_restore(flags) pokebench_local_irq_restore(flags)
#define irqs_disabled() pokebench_irqs_disabled()
#define raw_local_irq_save(flags) local_irq_save(flags)
#define raw_local_irq_restore(flags) local_irq_restore(flags)

#endif /* _LINUX_IRQFLAGS_H */
