/* C consumer of <linux/jump_label_ratelimit.h> alone. */
#include <linux/jump_label_ratelimit.h>

#include <linux/module.h>

static DEFINE_STATIC_KEY_DEFERRED_TRUE(use_ratelimit_key, HZ);

static int use_ratelimit_init(void) {
  static_branch_slow_dec_deferred(&use_ratelimit_key); /* 1 -> 0 deferred by HZ */
  if (!static_branch_likely(&use_ratelimit_key.key)) return -EINVAL;
  static_key_deferred_flush(&use_ratelimit_key);
  return static_branch_likely(&use_ratelimit_key.key) ? -EINVAL : 0;
}
module_init(use_ratelimit_init);
