/* Rate-limited static keys (include/linux/jump_label_ratelimit.h): a key
 * whose last decrement is deferred by `timeout` jiffies, so that a burst of
 * inc/dec pairs patches once instead of every time. Both spellings work: the
 * v4.x struct static_key_deferred with static_key_slow_dec_deferred(&k) and
 * the v5.x typed static_key_{true,false}_deferred with
 * static_branch_deferred_inc / static_branch_slow_dec_deferred.
 *
 * As in kernel/jump_label.c: a decrement that would leave the count above
 * zero happens at once; the 1 -> 0 one is queued (the key stays enabled) and
 * done by the work item after the timeout. A timeout of 0 (no
 * jump_label_rate_limit call) decrements at once, as v4.x does. */
#ifndef _LINUX_JUMP_LABEL_RATELIMIT_H
#define _LINUX_JUMP_LABEL_RATELIMIT_H

#include <linux/jump_label.h>
#include <linux/workqueue.h>

struct static_key_deferred {
  struct static_key key;
  unsigned long timeout;
  struct delayed_work work;
};
struct static_key_true_deferred {
  struct static_key_true key;
  unsigned long timeout;
  struct delayed_work work;
};
struct static_key_false_deferred {
  struct static_key_false key;
  unsigned long timeout;
  struct delayed_work work;
};

POKEBENCH_EXTERN_C_BEGIN
void __static_key_slow_dec_deferred(struct static_key* key, struct delayed_work* work, unsigned long timeout);
void __static_key_deferred_flush(void* key, struct delayed_work* work);
void jump_label_rate_limit(struct static_key_deferred* key, unsigned long rl);
/* The work function: the deferred decrement of the key around `work`. */
void jump_label_update_timeout(struct work_struct* work);
POKEBENCH_EXTERN_C_END

#define static_key_slow_dec_deferred(x) __static_key_slow_dec_deferred(&(x)->key, &(x)->work, (x)->timeout)
#define static_branch_slow_dec_deferred(x) __static_key_slow_dec_deferred(&(x)->key.key, &(x)->work, (x)->timeout)
#define static_key_deferred_flush(x) __static_key_deferred_flush((x), &(x)->work)
#define static_branch_deferred_inc(x) static_branch_inc(&(x)->key)

#define DEFINE_STATIC_KEY_DEFERRED_TRUE(name, rl) \
  struct static_key_true_deferred name = {STATIC_KEY_TRUE_INIT, (rl), {{jump_label_update_timeout}, 0}}
#define DEFINE_STATIC_KEY_DEFERRED_FALSE(name, rl) \
  struct static_key_false_deferred name = {STATIC_KEY_FALSE_INIT, (rl), {{jump_label_update_timeout}, 0}}

#endif /* _LINUX_JUMP_LABEL_RATELIMIT_H */
