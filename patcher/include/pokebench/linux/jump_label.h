// Kernel-compatible static keys: code written against <linux/jump_label.h>
// compiles unchanged against this header and runs on pokebench's patcher.
#pragma once

#include <pokebench/patcher/static_key.hpp>

using pokebench::static_key;
using pokebench::static_key_false;
using pokebench::static_key_true;

#define STATIC_KEY_INIT_TRUE {{1}}
#define STATIC_KEY_INIT_FALSE {{0}}
#define STATIC_KEY_TRUE_INIT POKEBENCH_STATIC_KEY_INIT_TRUE
#define STATIC_KEY_FALSE_INIT POKEBENCH_STATIC_KEY_INIT_FALSE

#define DEFINE_STATIC_KEY_TRUE(name) struct static_key_true name = STATIC_KEY_TRUE_INIT
#define DEFINE_STATIC_KEY_FALSE(name) struct static_key_false name = STATIC_KEY_FALSE_INIT
#define DECLARE_STATIC_KEY_TRUE(name) extern struct static_key_true name
#define DECLARE_STATIC_KEY_FALSE(name) extern struct static_key_false name

#define static_branch_likely(x) POKEBENCH_STATIC_BRANCH_LIKELY(x)
#define static_branch_unlikely(x) POKEBENCH_STATIC_BRANCH_UNLIKELY(x)

namespace pokebench::linux_compat {
template <class K>
inline static_key* key_of(K* x) noexcept {
  static_assert(pokebench::patcher::detail::is_any_key<K>,
                "expects a struct static_key, static_key_true or static_key_false");
  if constexpr (std::is_same_v<std::remove_cv_t<K>, static_key>)
    return x;
  else
    return &x->key;
}
template <class K>
inline const static_key* key_of(const K* x) noexcept {
  return key_of(const_cast<K*>(x));
}
} // namespace pokebench::linux_compat

// Functions, not macros as in the kernel, so that they cannot collide with
// pokebench::patcher's spellings of the same operations.
inline int static_key_count(const static_key* key) { return pokebench::patcher::static_key_count(key); }
inline void static_key_slow_inc(static_key* key) { pokebench::patcher::static_key_slow_inc(key); }
inline void static_key_slow_dec(static_key* key) { pokebench::patcher::static_key_slow_dec(key); }
inline void static_key_enable(static_key* key) { pokebench::patcher::static_key_enable(key); }
inline void static_key_disable(static_key* key) { pokebench::patcher::static_key_disable(key); }

template <class K>
inline bool static_key_enabled(const K* x) {
  return pokebench::patcher::static_key_count(pokebench::linux_compat::key_of(x)) > 0;
}
template <class K>
inline void static_branch_inc(K* x) { pokebench::patcher::static_key_slow_inc(pokebench::linux_compat::key_of(x)); }
template <class K>
inline void static_branch_dec(K* x) { pokebench::patcher::static_key_slow_dec(pokebench::linux_compat::key_of(x)); }
template <class K>
inline void static_branch_enable(K* x) { pokebench::patcher::static_key_enable(pokebench::linux_compat::key_of(x)); }
template <class K>
inline void static_branch_disable(K* x) { pokebench::patcher::static_key_disable(pokebench::linux_compat::key_of(x)); }
