// SPDX-License-Identifier: GPL-2.0
/* Negative control: an init that fails makes the runner exit non-zero, and
 * its exit is not run. */
#include <linux/module.h>

static int __init init_fails_init(void) {
  pr_err("init_fails: returning -ENODEV on purpose\n");
  return -ENODEV;
}
static void __exit init_fails_exit(void) { pr_err("init_fails: exit must not run after a failed init\n"); }

module_init(init_fails_init);
module_exit(init_fails_exit);
MODULE_LICENSE("GPL");
