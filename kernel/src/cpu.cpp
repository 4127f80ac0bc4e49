// The CPU hotplug lock (kernel/cpu.c's cpu_hotplug_lock, a percpu rwsem):
// readers nest per thread; lockdep_assert_cpus_held() checks this thread.
#include <linux/bug.h>
#include <linux/cpu.h>

#include <shared_mutex>

namespace {

std::shared_mutex& hotplug_lock() {
  static auto* lock = new std::shared_mutex;  // never destroyed: used from exit-time code
  return *lock;
}

thread_local int t_read_depth = 0;
thread_local bool t_write_held = false;

}  // namespace

extern "C" {

void cpus_read_lock(void) {
  // The writer may take it for reading again (as cpus_write_lock holders do).
  if (t_read_depth++ == 0 && !t_write_held) hotplug_lock().lock_shared();
}

void cpus_read_unlock(void) {
  if (WARN_ONCE(t_read_depth <= 0, "cpus_read_unlock() without cpus_read_lock()")) return;
  if (--t_read_depth == 0 && !t_write_held) hotplug_lock().unlock_shared();
}

int cpus_read_trylock(void) {
  if (t_read_depth > 0 || t_write_held) {
    ++t_read_depth;
    return 1;
  }
  if (!hotplug_lock().try_lock_shared()) return 0;
  ++t_read_depth;
  return 1;
}

void cpus_write_lock(void) {
  WARN_ONCE(t_read_depth > 0, "cpus_write_lock() while this thread holds cpus_read_lock(): would deadlock");
  hotplug_lock().lock();
  t_write_held = true;
}

void cpus_write_unlock(void) {
  t_write_held = false;
  hotplug_lock().unlock();
}

void lockdep_assert_cpus_held(void) {
  WARN_ONCE(t_read_depth == 0 && !t_write_held,
            "lockdep_assert_cpus_held(): the CPU hotplug lock is not held (call cpus_read_lock() first, or use "
            "the variant without _cpuslocked)");
}

}  // extern "C"
