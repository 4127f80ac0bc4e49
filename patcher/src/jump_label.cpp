// Reference-counted key transitions, as kernel/jump_label.c (v6.2) does them:
// only 0 <-> 1 patches; the first enable holds the count at -1 while the
// sites are rewritten, and publishes 1 (release) once they all are. Misuse
// warns once per check, as the kernel's WARN_ON_ONCE does.
#include "internal.hpp"

#include <pokebench/patcher/warn.h>

#include <climits>

namespace pokebench::patcher {
namespace {

using detail::jump_label_mutex;

void jump_label_update_locked(static_key* key, bool enabled, const Config& policy) {
  std::vector<detail::SiteRecord*> sites;
  {
    detail::Registry& r = detail::registry();
    std::shared_lock lock(r.mutex);
    if (auto it = r.by_key.find(key); it != r.by_key.end()) sites = it->second;
  }
  detail::apply_update(policy, key, enabled, sites);
}

// lockdep_assert_cpus_held() for the _cpuslocked forms: with a hotplug lock
// attached, the caller must hold it (else a CPU could come up between the
// syncs of this change and miss one); without one there is nothing to hold.
bool cpus_lock_ok(const Config& policy) {
  if (!policy.cpus_lock || policy.cpus_lock.held()) return true;
  detail::counters().cpus_lock_not_held.fetch_add(1, std::memory_order_relaxed);
  POKEBENCH_WARN(true,
                 "a _cpuslocked static key change without the CPU hotplug lock held: refused (take "
                 "cpus_read_lock() first, or call the form without _cpuslocked)");
  return false;
}

// cpus_read_lock() .. cpus_read_unlock() around one key change, when the
// policy has a hotplug lock (kernel/jump_label.c's static_key_slow_inc).
class CpusReadLocked {
 public:
  explicit CpusReadLocked(const Config& policy) : lock_(policy.cpus_lock) {
    if (lock_) lock_.read_lock();
  }
  ~CpusReadLocked() {
    if (lock_) lock_.read_unlock();
  }
  CpusReadLocked(const CpusReadLocked&) = delete;
  CpusReadLocked& operator=(const CpusReadLocked&) = delete;

 private:
  const Config::CpusLock& lock_;
};

}  // namespace

bool static_key_fast_inc_not_disabled(static_key* key) {
  // A count <= 0 sends the caller down the slow path (0: patch needed, -1: a
  // first enable is in progress); INT_MAX is the overflow the slow path reports.
  std::atomic_ref<int> count = key_count_ref(key);
  for (int v = count.load(std::memory_order_relaxed);;) {
    if (v <= 0 || v == INT_MAX) return false;
    if (count.compare_exchange_weak(v, v + 1, std::memory_order_relaxed)) return true;
  }
}

bool static_key_slow_try_dec(static_key* key) {
  std::atomic_ref<int> count = key_count_ref(key);
  for (int v = count.load(std::memory_order_relaxed);;) {
    // -1: a decrement concurrent with the first increment (an ordering bug
    // of the caller); 0: underflow, reported and treated as done.
    POKEBENCH_WARN_ONCE(v < 0, "static key count is -1: a decrement raced with the first increment");
    if (POKEBENCH_WARN_ONCE(v == 0, "static_key_slow_dec() on a key whose count is already 0")) return true;
    if (v <= 1) return false;
    if (count.compare_exchange_weak(v, v - 1, std::memory_order_relaxed)) return true;
  }
}

bool static_key_slow_inc_cpuslocked(static_key* key, const Config& policy) {
  if (!cpus_lock_ok(policy)) return false;
  if (static_key_fast_inc_not_disabled(key)) return true;

  std::lock_guard lock(jump_label_mutex());
  std::atomic_ref<int> count = key_count_ref(key);
  if (count.load(std::memory_order_relaxed) == 0) {
    count.store(-1, std::memory_order_relaxed);
    jump_label_update_locked(key, true, policy);
    // Release pairs with the acquire in static_key_count() and the fast
    // paths: whoever sees 1 also sees every site patched.
    count.store(1, std::memory_order_release);
    return true;
  }
  return !POKEBENCH_WARN_ONCE(!static_key_fast_inc_not_disabled(key), "static key count overflow (INT_MAX)");
}

void static_key_slow_dec_cpuslocked(static_key* key, const Config& policy) {
  if (!cpus_lock_ok(policy)) return;
  if (static_key_slow_try_dec(key)) return;

  std::lock_guard lock(jump_label_mutex());
  std::atomic_ref<int> count = key_count_ref(key);
  const int v = count.load(std::memory_order_relaxed);
  // -1 cannot be seen with the mutex held (the first enable holds it).
  if (POKEBENCH_WARN_ONCE(v == -1, "static key count -1 seen under jump_label_mutex")) return;
  if (POKEBENCH_WARN_ONCE(v == 0, "static_key_slow_dec() on a key whose count is already 0")) return;
  if (count.fetch_sub(1, std::memory_order_acq_rel) == 1) jump_label_update_locked(key, false, policy);
}

void static_key_enable_cpuslocked(static_key* key, const Config& policy) {
  if (!cpus_lock_ok(policy)) return;
  std::atomic_ref<int> count = key_count_ref(key);
  if (const int v = count.load(std::memory_order_acquire); v > 0) {
    POKEBENCH_WARN_ONCE(v != 1, "static_key_enable() on a reference-counted key (count %d)", v);
    return;
  }
  std::lock_guard lock(jump_label_mutex());
  if (count.load(std::memory_order_relaxed) == 0) {
    count.store(-1, std::memory_order_relaxed);
    jump_label_update_locked(key, true, policy);
    count.store(1, std::memory_order_release);  // as in static_key_slow_inc
  }
}

void static_key_disable_cpuslocked(static_key* key, const Config& policy) {
  if (!cpus_lock_ok(policy)) return;
  std::atomic_ref<int> count = key_count_ref(key);
  if (const int v = count.load(std::memory_order_acquire); v != 1) {
    POKEBENCH_WARN_ONCE(v != 0, "static_key_disable() on a reference-counted key (count %d)", v);
    return;
  }
  std::lock_guard lock(jump_label_mutex());
  int expected = 1;
  if (count.compare_exchange_strong(expected, 0, std::memory_order_acq_rel))
    jump_label_update_locked(key, false, policy);
}

bool static_key_slow_inc(static_key* key, const Config& policy) {
  CpusReadLocked cpus(policy);
  return static_key_slow_inc_cpuslocked(key, policy);
}
void static_key_slow_dec(static_key* key, const Config& policy) {
  CpusReadLocked cpus(policy);
  static_key_slow_dec_cpuslocked(key, policy);
}
void static_key_enable(static_key* key, const Config& policy) {
  CpusReadLocked cpus(policy);
  static_key_enable_cpuslocked(key, policy);
}
void static_key_disable(static_key* key, const Config& policy) {
  CpusReadLocked cpus(policy);
  static_key_disable_cpuslocked(key, policy);
}

void jump_label_lock() { jump_label_mutex().lock(); }
void jump_label_unlock() { jump_label_mutex().unlock(); }

bool static_key_slow_inc(static_key* key) { return static_key_slow_inc(key, policy_in_scope()); }
void static_key_slow_dec(static_key* key) { static_key_slow_dec(key, policy_in_scope()); }
void static_key_enable(static_key* key) { static_key_enable(key, policy_in_scope()); }
void static_key_disable(static_key* key) { static_key_disable(key, policy_in_scope()); }

}  // namespace pokebench::patcher
