// SPDX-License-Identifier: GPL-2.0
/*
 * Keys for keys_selftest.c, defined in this module and used in both, so
 * that one key's sites span two modules (in the style of the kernel's
 * lib/test_static_key_base.c; written for pokebench).
 */
#include <linux/jump_label.h>
#include <linux/module.h>

/* The pre-v4.3 API: plain struct static_key. */
struct static_key base_old_true_key = STATIC_KEY_INIT_TRUE;
EXPORT_SYMBOL_GPL(base_old_true_key);
struct static_key base_old_false_key = STATIC_KEY_INIT_FALSE;
EXPORT_SYMBOL_GPL(base_old_false_key);

/* The typed API (v4.3+). */
DEFINE_STATIC_KEY_TRUE(base_true_key);
EXPORT_SYMBOL_GPL(base_true_key);
DEFINE_STATIC_KEY_FALSE(base_false_key);
EXPORT_SYMBOL_GPL(base_false_key);

/* Branches on the exported keys compiled into this module. */
bool base_old_true_key_branch(void) { return static_key_true(&base_old_true_key); }
EXPORT_SYMBOL_GPL(base_old_true_key_branch);
bool base_old_false_key_branch(void) { return static_key_false(&base_old_false_key); }
EXPORT_SYMBOL_GPL(base_old_false_key_branch);
bool base_true_likely(void) { return static_branch_likely(&base_true_key); }
EXPORT_SYMBOL_GPL(base_true_likely);
bool base_false_unlikely(void) { return static_branch_unlikely(&base_false_key); }
EXPORT_SYMBOL_GPL(base_false_unlikely);

/*
 * The module's own branches start where their keys do before any other
 * module changes them. No module_exit: keys_selftest uses the keys, and a
 * module that others use stays loaded.
 */
static int __init keys_base_init(void) {
  if (!base_old_true_key_branch() || base_old_false_key_branch() || !base_true_likely() || base_false_unlikely()) {
    pr_err("keys_base: a branch does not start at its key's initial state\n");
    return -EINVAL;
  }
  pr_info("keys_base: %d keys exported\n", 4);
  return 0;
}
module_init(keys_base_init);

MODULE_AUTHOR("pokebench");
MODULE_LICENSE("GPL");
