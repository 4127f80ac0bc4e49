// SPDX-License-Identifier: GPL-2.0
/* Negative control: a WARN makes the runner exit non-zero even though every
 * init returned 0. WARN_ON yields its condition, as in the kernel. */
#include <linux/module.h>

static int __init warns_init(void) {
  if (!WARN_ON(1 + 1 == 2)) return -EINVAL; /* the value must be the condition */
  if (WARN_ON(0)) return -EINVAL;
  return 0;
}

module_init(warns_init);
MODULE_LICENSE("GPL");
