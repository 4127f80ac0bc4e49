/* spinlock_t (include/linux/spinlock.h): a test-and-set lock; the _irq and
 * _irqsave forms mask IRQs first (linux/irqflags.h), as the kernel's do. */
#ifndef _LINUX_SPINLOCK_H
#define _LINUX_SPINLOCK_H

#include <asm/barrier.h>
#include <linux/irqflags.h>

typedef struct {
  int locked;
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED(name) \
  { 0 }
#define DEFINE_SPINLOCK(name) spinlock_t name = __SPIN_LOCK_UNLOCKED(name)

static inline void spin_lock_init(spinlock_t* lock) { __atomic_store_n(&lock->locked, 0, __ATOMIC_RELAXED); }
static inline void spin_lock(spinlock_t* lock) {
  /* Acquire pairs with the release in spin_unlock. */
  while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0)
    while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0) cpu_relax();
}
static inline int spin_trylock(spinlock_t* lock) {
  return __atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) == 0;
}
static inline void spin_unlock(spinlock_t* lock) { __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE); }

#define spin_lock_irq(lock) \
  do {                      \
    local_irq_disable();    \
    spin_lock(lock);        \
  } while (0)
#define spin_unlock_irq(lock) \
  do {                        \
    spin_unlock(lock);        \
    local_irq_enable();       \
  } while (0)
#define spin_lock_irqsave(lock, flags) \
  do {                                 \
    local_irq_save(flags);             \
    spin_lock(lock);                   \
  } while (0)
#define spin_unlock_irqrestore(lock, flags) \
  do {                                      \
    spin_unlock(lock);                      \
    local_irq_restore(flags);               \
  } while (0)

#endif /* _LINUX_SPINLOCK_H */
