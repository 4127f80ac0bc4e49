// SPDX-License-Identifier: GPL-2.0
/*
 * Rate-limited keys, both spellings: the v4.x struct static_key_deferred
 * with jump_label_rate_limit(), and the v5.x typed deferred keys. The last
 * decrement must leave the key enabled until the timeout, then disable it;
 * a flush disables it at once; a re-increment inside the window cancels
 * nothing and patches nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jump_label_ratelimit.h>
#include <linux/module.h>
#include <time.h>

static struct static_key_deferred old_deferred;                   /* v4.x: zeroed, rate set at init */
static DEFINE_STATIC_KEY_DEFERRED_FALSE(false_deferred, HZ / 20); /* v5.x: 50 ms */

static bool old_deferred_branch(void) { return static_key_false(&old_deferred.key); }
static bool false_deferred_branch(void) { return static_branch_unlikely(&false_deferred.key); }

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Waits up to `ms` for the branch to read `want`. */
static bool wait_for(bool (*branch)(void), bool want, long ms) {
  for (; ms > 0; ms -= 5) {
    if (branch() == want) return true;
    sleep_ms(5);
  }
  return branch() == want;
}

static int __init keys_deferred_init(void) {
  jump_label_rate_limit(&old_deferred, HZ / 20);

  /* v4.x: inc, dec: still on inside the window, off after it. */
  static_key_slow_inc(&old_deferred.key);
  static_key_slow_dec_deferred(&old_deferred);
  if (!old_deferred_branch() || !static_key_enabled(&old_deferred.key)) {
    pr_err("old_deferred: off before its timeout\n");
    return -EINVAL;
  }
  if (!wait_for(old_deferred_branch, false, 2000)) {
    pr_err("old_deferred: still on 2 s after a 50 ms timeout\n");
    return -ETIMEDOUT;
  }

  /* v5.x: a dec that leaves the count above zero is immediate. */
  static_branch_deferred_inc(&false_deferred);
  static_branch_deferred_inc(&false_deferred);
  static_branch_slow_dec_deferred(&false_deferred);
  if (static_key_count(&false_deferred.key.key) != 1 || !false_deferred_branch()) {
    pr_err("false_deferred: count %d after inc, inc, dec\n", static_key_count(&false_deferred.key.key));
    return -EINVAL;
  }
  static_branch_slow_dec_deferred(&false_deferred);
  if (!false_deferred_branch()) {
    pr_err("false_deferred: off before its timeout\n");
    return -EINVAL;
  }
  static_key_deferred_flush(&false_deferred);
  if (false_deferred_branch() || static_key_enabled(&false_deferred.key)) {
    pr_err("false_deferred: still on after static_key_deferred_flush()\n");
    return -EINVAL;
  }
  pr_info("deferred disable after the timeout, and at once on flush: ok\n");
  return 0;
}

module_init(keys_deferred_init);
MODULE_LICENSE("GPL");
