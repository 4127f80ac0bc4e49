// Reference-counted key transitions, as kernel/jump_label.c (v4.x) does them:
// only 0 <-> 1 patches; the first enable holds the count at -1 while the
// sites are rewritten, and publishes 1 (release) once they all are.
#include "internal.hpp"

#include <pokebench/support/diagnostics.hpp>

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

void warn_once(const char* what) {
  static std::atomic<bool> warned{false};
  if (!warned.exchange(true, std::memory_order_relaxed))
    support::warning("{} (the kernel would WARN_ON_ONCE here)", what);
}

} // namespace

void static_key_slow_inc(static_key* key, const Config& policy) {
  // Fast path: already enabled, just count (never from 0 or -1).
  for (int v = key->enabled.load(std::memory_order_relaxed); v > 0;)
    if (key->enabled.compare_exchange_weak(v, v + 1, std::memory_order_relaxed)) return;

  std::lock_guard lock(jump_label_mutex());
  if (key->enabled.load(std::memory_order_relaxed) == 0) {
    key->enabled.store(-1, std::memory_order_relaxed);
    jump_label_update_locked(key, true, policy);
    // Release pairs with the acquire in static_key_count() and the fast path
    // above: whoever sees 1 also sees every site patched.
    key->enabled.store(1, std::memory_order_release);
  } else {
    key->enabled.fetch_add(1, std::memory_order_relaxed);
  }
}

void static_key_slow_dec(static_key* key, const Config& policy) {
  // atomic_dec_and_mutex_lock(): only the 1 -> 0 transition takes the lock.
  for (int v = key->enabled.load(std::memory_order_relaxed); v > 1;)
    if (key->enabled.compare_exchange_weak(v, v - 1, std::memory_order_relaxed)) return;

  std::lock_guard lock(jump_label_mutex());
  const int v = key->enabled.load(std::memory_order_relaxed);
  if (v <= 0) {
    warn_once("static_key_slow_dec() on a key whose count is already 0");
    return;
  }
  if (key->enabled.fetch_sub(1, std::memory_order_acq_rel) == 1) jump_label_update_locked(key, false, policy);
}

void static_key_enable(static_key* key, const Config& policy) {
  if (const int v = key->enabled.load(std::memory_order_acquire); v > 0) {
    if (v != 1) warn_once("static_key_enable() on a reference-counted key (count > 1)");
    return;
  }
  std::lock_guard lock(jump_label_mutex());
  if (key->enabled.load(std::memory_order_relaxed) == 0) {
    key->enabled.store(-1, std::memory_order_relaxed);
    jump_label_update_locked(key, true, policy);
    key->enabled.store(1, std::memory_order_release); // as in static_key_slow_inc
  }
}

void static_key_disable(static_key* key, const Config& policy) {
  if (const int v = key->enabled.load(std::memory_order_acquire); v != 1) {
    if (v != 0) warn_once("static_key_disable() on a reference-counted key (count > 1)");
    return;
  }
  std::lock_guard lock(jump_label_mutex());
  int expected = 1;
  if (key->enabled.compare_exchange_strong(expected, 0, std::memory_order_acq_rel))
    jump_label_update_locked(key, false, policy);
}

void static_key_slow_inc(static_key* key) { static_key_slow_inc(key, policy_in_scope()); }
void static_key_slow_dec(static_key* key) { static_key_slow_dec(key, policy_in_scope()); }
void static_key_enable(static_key* key) { static_key_enable(key, policy_in_scope()); }
void static_key_disable(static_key* key) { static_key_disable(key, policy_in_scope()); }

} // namespace pokebench::patcher
