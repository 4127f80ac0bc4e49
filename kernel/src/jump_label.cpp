// The kernel's static-key entry points with C linkage (kernel/jump_label.c):
// the checks the kernel makes around a key change (use before
// jump_label_init, the hotplug lock, _RO keys sealed by mark_rodata_ro), then
// the patcher's _cpuslocked transition through the policy in scope on this
// thread (the hotplug lock is taken here, by cpus_read_lock() in cpu.cpp).
#include <linux/cpu.h>
#include <linux/jump_label.h>
#include <linux/jump_label_ratelimit.h>

#include <pokebench/patcher/patcher.hpp>

#include <atomic>
#include <cstddef>

namespace patcher = pokebench::patcher;

namespace {

std::atomic<bool> g_rodata_sealed{false};

// STATIC_KEY_CHECK_USE: a key changed before jump_label_init() warns.
#define POKEBENCH_CHECK_USE_(key)                                                                      \
  WARN(!static_key_initialized, "%s(): static key %p used before call to jump_label_init()", __func__, \
       static_cast<const void*>(key))

// A _RO key after mark_rodata_ro(): the kernel's write would fault on the
// read-only page; here the change is refused with a warning.
#define POKEBENCH_REFUSE_RO_(key)                                                                                  \
  WARN(((key)->type & POKEBENCH_KEY_TYPE_RO) != 0 && g_rodata_sealed.load(std::memory_order_acquire),              \
       "%s(): static key %p is __ro_after_init (DEFINE_STATIC_KEY_*_RO) and cannot change after mark_rodata_ro()", \
       __func__, static_cast<const void*>(key))

// What a _cpuslocked key change checks first: use before jump_label_init(),
// the hotplug lock held, a sealed _RO key (refused). True: go on.
#define POKEBENCH_MAY_CHANGE_CPUSLOCKED_(key) \
  (POKEBENCH_CHECK_USE_(key), lockdep_assert_cpus_held(), !POKEBENCH_REFUSE_RO_(key))

// The hotplug lock for the duration of one key change.
struct CpusReadLocked {
  CpusReadLocked() { cpus_read_lock(); }
  ~CpusReadLocked() { cpus_read_unlock(); }
  CpusReadLocked(const CpusReadLocked&) = delete;
  CpusReadLocked& operator=(const CpusReadLocked&) = delete;
};

// f(key) with the hotplug lock held.
template <class R>
R cpus_read_locked(R (*f)(struct static_key*), struct static_key* key) {
  CpusReadLocked cpus;
  return f(key);
}

// Before any module's constructor can change a key: the kernel calls
// jump_label_init() early in start_kernel().
__attribute__((constructor(101))) void pokebench_jump_label_init_early() { jump_label_init(); }

}  // namespace

extern "C" {

bool static_key_initialized = false;

void jump_label_init(void) {
  if (static_key_initialized) return;
  CpusReadLocked cpus;
  jump_label_lock();
  static_key_initialized = true;  // the patcher's tables register themselves; nothing to sort here
  jump_label_unlock();
}

void jump_label_lock(void) { patcher::jump_label_lock(); }
void jump_label_unlock(void) { patcher::jump_label_unlock(); }
void mark_rodata_ro(void) { g_rodata_sealed.store(true, std::memory_order_release); }

bool static_key_fast_inc_not_disabled(struct static_key* key) {
  POKEBENCH_CHECK_USE_(key);
  if (POKEBENCH_REFUSE_RO_(key)) return false;
  return patcher::static_key_fast_inc_not_disabled(key);
}

// The _cpuslocked entry points: the checks, then the patcher's transition.
bool static_key_slow_inc_cpuslocked(struct static_key* key) {
  return POKEBENCH_MAY_CHANGE_CPUSLOCKED_(key) &&
         patcher::static_key_slow_inc_cpuslocked(key, patcher::policy_in_scope());
}
void static_key_slow_dec_cpuslocked(struct static_key* key) {
  if (POKEBENCH_MAY_CHANGE_CPUSLOCKED_(key)) patcher::static_key_slow_dec_cpuslocked(key, patcher::policy_in_scope());
}
void static_key_enable_cpuslocked(struct static_key* key) {
  if (POKEBENCH_MAY_CHANGE_CPUSLOCKED_(key)) patcher::static_key_enable_cpuslocked(key, patcher::policy_in_scope());
}
void static_key_disable_cpuslocked(struct static_key* key) {
  if (POKEBENCH_MAY_CHANGE_CPUSLOCKED_(key)) patcher::static_key_disable_cpuslocked(key, patcher::policy_in_scope());
}

// And each with the hotplug lock taken around it.
bool static_key_slow_inc(struct static_key* key) { return cpus_read_locked(static_key_slow_inc_cpuslocked, key); }
void static_key_slow_dec(struct static_key* key) { cpus_read_locked(static_key_slow_dec_cpuslocked, key); }
void static_key_enable(struct static_key* key) { cpus_read_locked(static_key_enable_cpuslocked, key); }
void static_key_disable(struct static_key* key) { cpus_read_locked(static_key_disable_cpuslocked, key); }

// Rate-limited keys (kernel/jump_label.c, v5.x): the decrement that would
// reach 0 is queued; the work item does it once `timeout` jiffies passed.
void __static_key_slow_dec_deferred(struct static_key* key, struct delayed_work* work, unsigned long timeout) {
  POKEBENCH_CHECK_USE_(key);
  if (timeout == 0) {  // v4.x: no rate limit, decrement now
    static_key_slow_dec(key);
    return;
  }
  if (POKEBENCH_REFUSE_RO_(key)) return;
  if (patcher::static_key_slow_try_dec(key)) return;
  schedule_delayed_work(work, timeout);
}

void __static_key_deferred_flush(void* key, struct delayed_work* work) {
  POKEBENCH_CHECK_USE_(key);
  flush_delayed_work(work);
}

void jump_label_rate_limit(struct static_key_deferred* key, unsigned long rl) {
  POKEBENCH_CHECK_USE_(&key->key);
  key->timeout = rl;
  INIT_DELAYED_WORK(&key->work, jump_label_update_timeout);
}

void jump_label_update_timeout(struct work_struct* work) {
  // Every deferred key type starts {key, timeout, work}: the work's offset
  // is the same in all three.
  auto* key = reinterpret_cast<struct static_key_deferred*>(reinterpret_cast<char*>(work) -
                                                            offsetof(struct static_key_deferred, work.work));
  static_key_slow_dec(&key->key);
}

}  // extern "C"
