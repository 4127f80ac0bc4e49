// The CPU hotplug lock (kernel/cpu.c's cpu_hotplug_lock, a percpu rwsem):
// readers nest per thread; lockdep_assert_cpus_held() checks this thread.
//
// Two locks can stand behind these calls. When the patch policy in scope on
// this thread (patcher::ScopedPolicy) carries a machine's hotplug lock
// (patcher::Config::cpus_lock, installed by harness::CpuHotplug), kernel C
// code running on that machine reads that one, so its static key changes are
// serialised against the machine's cpu_up/cpu_down; otherwise this file's own
// process-wide lock. The outermost cpus_read_lock() picks; nested ones and
// the matching unlock use the same.
#include <linux/bug.h>
#include <linux/cpu.h>

#include <pokebench/patcher/patcher.hpp>

#include <shared_mutex>

namespace {

std::shared_mutex& hotplug_lock() {
  static auto* lock = new std::shared_mutex;  // never destroyed: used from exit-time code
  return *lock;
}

thread_local int t_read_depth = 0;
thread_local bool t_write_held = false;
// The machine's lock the outermost cpus_read_lock() took (empty: our own).
thread_local pokebench::patcher::Config::CpusLock t_machine_lock;

}  // namespace

extern "C" {

void cpus_read_lock(void) {
  // The writer may take it for reading again (as cpus_write_lock holders do).
  if (t_read_depth++ != 0 || t_write_held) return;
  if (const auto& machine = pokebench::patcher::policy_in_scope().cpus_lock) {
    t_machine_lock = machine;
    t_machine_lock.read_lock();
    return;
  }
  hotplug_lock().lock_shared();
}

void cpus_read_unlock(void) {
  if (WARN_ONCE(t_read_depth <= 0, "cpus_read_unlock() without cpus_read_lock()")) return;
  if (--t_read_depth != 0 || t_write_held) return;
  if (t_machine_lock) {
    t_machine_lock.read_unlock();
    t_machine_lock = {};
    return;
  }
  hotplug_lock().unlock_shared();
}

int cpus_read_trylock(void) {
  if (t_read_depth > 0 || t_write_held) {
    ++t_read_depth;
    return 1;
  }
  // A machine's lock has no trylock: take it (a reader waits only for cpu_up/down).
  if (pokebench::patcher::policy_in_scope().cpus_lock) {
    cpus_read_lock();
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
  const auto& machine = pokebench::patcher::policy_in_scope().cpus_lock;
  const bool held = machine ? machine.held() : (t_read_depth > 0 || t_write_held);
  WARN_ONCE(!held,
            "lockdep_assert_cpus_held(): the CPU hotplug lock is not held (call cpus_read_lock() first, or use "
            "the variant without _cpuslocked)");
}

}  // extern "C"
