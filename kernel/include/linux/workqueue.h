/* Delayed work (include/linux/workqueue.h), enough for static_key_deferred:
 * one worker thread runs each work item once its delay (in jiffies) passed.
 * A work item runs under the patch policy that was in scope where it was
 * queued (pokebench::patcher::ScopedPolicy), so a deferred key change patches
 * through the protocol its caller chose. */
#ifndef _LINUX_WORKQUEUE_H
#define _LINUX_WORKQUEUE_H

#include <linux/jiffies.h>
#include <stdbool.h>

struct work_struct;
typedef void (*work_func_t)(struct work_struct* work);

struct work_struct {
  work_func_t func;
};

struct delayed_work {
  struct work_struct work;
  int pending; /* queued and not yet started; guarded by the worker's lock */
};

#define __WORK_INITIALIZER(n, f) \
  { (f) }
#define __DELAYED_WORK_INITIALIZER(n, f, tflags) \
  { {(f)}, 0 }
#define INIT_WORK(w, f) ((w)->func = (f))
#define INIT_DELAYED_WORK(dw, f) ((dw)->work.func = (f), (dw)->pending = 0)
#define DECLARE_DELAYED_WORK(n, f) struct delayed_work n = __DELAYED_WORK_INITIALIZER(n, f, 0)

#ifdef __cplusplus
extern "C" {
#endif
/* Queues `dw` to run after `delay` jiffies; false if it is already queued. */
bool schedule_delayed_work(struct delayed_work* dw, unsigned long delay);
/* Runs a queued `dw` now, and waits for a running one; true if it waited. */
bool flush_delayed_work(struct delayed_work* dw);
/* Dequeues `dw` and waits for a running one; true if it was queued. */
bool cancel_delayed_work_sync(struct delayed_work* dw);
#ifdef __cplusplus
}
#endif

#ifndef container_of
#define container_of(ptr, type, member) ((type*)(void*)((char*)(ptr) - __builtin_offsetof(type, member)))
#endif
#define to_delayed_work(w) container_of(w, struct delayed_work, work)

#endif /* _LINUX_WORKQUEUE_H */
