/* C consumer of <linux/jump_label.h> alone (module.h only to be run). */
#include <linux/jump_label.h>

#include <linux/module.h>

DEFINE_STATIC_KEY_FALSE(use_jump_label_key);
static struct static_key use_jump_label_old = STATIC_KEY_INIT_FALSE;

static int use_jump_label_init(void) {
  BUILD_BUG_ON(sizeof(struct static_key) != 16);
  if (static_branch_unlikely(&use_jump_label_key) || static_key_false(&use_jump_label_old)) return -EINVAL;
  static_branch_enable(&use_jump_label_key);
  static_key_slow_inc(&use_jump_label_old);
  if (!static_branch_unlikely(&use_jump_label_key) || !static_key_false(&use_jump_label_old)) return -EINVAL;
  if (atomic_read(&use_jump_label_old.enabled) != 1) return -EINVAL;
  static_branch_disable(&use_jump_label_key);
  static_key_slow_dec(&use_jump_label_old);
  return static_key_enabled(&use_jump_label_key) || static_key_enabled(&use_jump_label_old) ? -EINVAL : 0;
}
module_init(use_jump_label_init);
