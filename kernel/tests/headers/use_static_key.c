/* C consumer of <linux/static_key.h> (the older name). */
#include <linux/static_key.h>

#include <linux/module.h>

static DEFINE_STATIC_KEY_TRUE(use_static_key_key);

static int use_static_key_init(void) { return static_branch_likely(&use_static_key_key) ? 0 : -EINVAL; }
module_init(use_static_key_init);
