/* C consumer of <linux/printk.h> and <linux/bug.h> (and module.h). */
#define pr_fmt(fmt) "use_printk_bug: " fmt
#include <linux/bug.h>
#include <linux/printk.h>

#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("pokebench");
MODULE_DESCRIPTION("header consumer");

int use_printk_bug_exported(void);
int use_printk_bug_exported(void) { return 7; }
EXPORT_SYMBOL(use_printk_bug_exported);

static int exit_ran;

static int use_printk_bug_init(void) {
  int warns = 0;
  BUILD_BUG_ON(sizeof(int) < 4);
  printk(KERN_INFO "use_printk_bug: printk with a level\n");
  pr_info("pr_info %d\n", 1);
  pr_cont("(continued)\n");
  pr_debug("not printed without DEBUG\n");
  if (WARN_ON_ONCE(0)) warns++;
  if (WARN_ONCE(0, "never %d", 1)) warns++;
  if (WARN(0, "never")) warns++;
  BUG_ON(warns != 0);
  return use_printk_bug_exported() == 7 ? 0 : -EINVAL;
}
static void use_printk_bug_exit(void) { exit_ran = 1; }
module_init(use_printk_bug_init);
module_exit(use_printk_bug_exit);
