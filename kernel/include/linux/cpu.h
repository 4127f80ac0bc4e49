/* The CPU hotplug lock (include/linux/cpu.h, cpuhplock.h): a reader-writer
 * lock that static key changes take for reading; the *_cpuslocked variants
 * expect the caller to hold it and warn once when it does not (the kernel's
 * lockdep_assert_cpus_held()). Read-side sections nest on one thread. When
 * the patch policy in scope carries an emulated machine's hotplug lock
 * (harness::CpuHotplug::patch_lock()), these read that lock instead of the
 * process-wide one (kernel/src/cpu.cpp). */
#ifndef _LINUX_CPU_H
#define _LINUX_CPU_H

#include <linux/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif
void cpus_read_lock(void);
void cpus_read_unlock(void);
int cpus_read_trylock(void);
void cpus_write_lock(void);
void cpus_write_unlock(void);
/* Warns (once) unless this thread holds the hotplug lock. */
void lockdep_assert_cpus_held(void);
#ifdef __cplusplus
}
#endif

/* The names before v4.13, which renamed them cpus_read_lock/unlock. */
#define get_online_cpus() cpus_read_lock()
#define put_online_cpus() cpus_read_unlock()

#endif /* _LINUX_CPU_H */
