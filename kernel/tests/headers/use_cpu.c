/* C consumer of <linux/cpu.h> alone. */
#include <linux/cpu.h>

#include <linux/module.h>

static int use_cpu_init(void) {
  cpus_read_lock();
  cpus_read_lock(); /* readers nest */
  lockdep_assert_cpus_held();
  cpus_read_unlock();
  cpus_read_unlock();
  get_online_cpus();
  put_online_cpus();
  cpus_write_lock();
  lockdep_assert_cpus_held();
  cpus_write_unlock();
  return 0;
}
module_init(use_cpu_init);
