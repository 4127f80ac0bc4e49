/* Some kernels include <linux/static_key.h>; it is <linux/jump_label.h>. */
#include <linux/jump_label.h>
