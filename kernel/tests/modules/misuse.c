// SPDX-License-Identifier: GPL-2.0
/*
 * Four different misuses, each made twice: the kernel's WARN_ON_ONCE fires
 * once per check, so exactly four warnings are printed (the runner then
 * exits 1). And a _RO key: changeable during init, refused with a warning
 * after it (in exit), and left unchanged; that is the fifth warning.
 */
#include <linux/cpu.h>
#include <linux/jump_label.h>
#include <linux/module.h>

static DEFINE_STATIC_KEY_FALSE(counted_key);
static DEFINE_STATIC_KEY_FALSE(zero_key);
static DEFINE_STATIC_KEY_FALSE(unlocked_key);
static DEFINE_STATIC_KEY_FALSE_RO(ro_key);

static bool ro_branch(void) { return static_branch_unlikely(&ro_key); }

static int __init misuse_init(void) {
  int round;
  static_branch_inc(&counted_key);
  static_branch_inc(&counted_key);
  for (round = 0; round < 2; round++) {
    static_branch_enable(&counted_key);             /* enable on a count of 2 */
    static_branch_disable(&counted_key);            /* disable on a count of 2 */
    static_branch_dec(&zero_key);                   /* underflow */
    static_branch_enable_cpuslocked(&unlocked_key); /* without the hotplug lock */
    static_branch_disable_cpuslocked(&unlocked_key);
  }
  static_branch_enable(&ro_key); /* still init: allowed */
  if (!ro_branch()) return -EINVAL;
  static_branch_disable(&ro_key);
  pr_info("misuse: warnings so far: %lu\n", pokebench_warn_count());
  return pokebench_warn_count() == 4 ? 0 : -EINVAL;
}

static void __exit misuse_exit(void) {
  static_branch_enable(&ro_key); /* after init: refused */
  pr_info("misuse: ro_key after a refused enable: %s\n", ro_branch() ? "on (WRONG)" : "off");
}

module_init(misuse_init);
module_exit(misuse_exit);
MODULE_LICENSE("GPL");
