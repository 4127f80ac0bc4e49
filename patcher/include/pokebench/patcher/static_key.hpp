// Static keys and static branch sites for C++: the layout, the jump table
// and the site macros live in the C header static_key.h (shared with C code);
// this adds the C++ names, the key-type checks done with `if constexpr`, and
// the slow paths, which patch through the policy in scope (patcher.hpp).
#pragma once

#include <pokebench/patcher/static_key.h>

#include <atomic>
#include <cstdint>
#include <type_traits>

namespace pokebench {

// The kernel's structs, in the global namespace (static_key.h) so that C and
// C++ code share them; named here too for the C++ API.
using ::static_key;
using ::static_key_false;
using ::static_key_true;
static_assert(sizeof(static_key) == 16, "struct static_key has the kernel's x86-64 layout");

namespace patcher {

using jump_entry = ::pokebench_jump_entry;
using site_tag_entry = ::pokebench_site_tag_entry;
static_assert(sizeof(jump_entry) == 16);
inline constexpr std::int64_t kJumpEntryBranch = POKEBENCH_JUMP_ENTRY_BRANCH;
inline constexpr std::int64_t kJumpEntryIndirect = POKEBENCH_JUMP_ENTRY_INDIRECT;

// The key's count as an atomic object (the kernel's atomic_t is a plain int
// accessed with atomic instructions; std::atomic_ref is the C++ spelling).
inline std::atomic_ref<int> key_count_ref(static_key* key) noexcept {
  return std::atomic_ref<int>(key->enabled.counter);
}

// Slow paths of the kernel API (kernel/jump_label.c). Each patches every site
// of the key through the policy in scope on the calling thread (ScopedPolicy
// in patcher.hpp; overloads there take the policy as an argument).
// static_key_slow_inc returns false when the count would overflow (v6.2+).
bool static_key_slow_inc(static_key* key);
void static_key_slow_dec(static_key* key);
void static_key_enable(static_key* key);
void static_key_disable(static_key* key);

// The kernel's static_key_count(): -1 (first enable in progress) reads as 1.
inline int static_key_count(const static_key* key) noexcept {
  // Acquire pairs with the release that publishes 1 after patching, so a
  // caller seeing the key enabled also sees every site patched.
  const int n = __atomic_load_n(&key->enabled.counter, __ATOMIC_ACQUIRE);
  return n >= 0 ? n : 1;
}

namespace detail {
template <class K>
inline constexpr bool is_true_key = std::is_same_v<std::remove_cvref_t<K>, static_key_true>;
template <class K>
inline constexpr bool is_false_key = std::is_same_v<std::remove_cvref_t<K>, static_key_false>;
template <class K>
inline constexpr bool is_any_key =
    is_true_key<K> || is_false_key<K> || std::is_same_v<std::remove_cvref_t<K>, static_key>;
}  // namespace detail

}  // namespace patcher
}  // namespace pokebench

// The kernel's static_branch_likely/unlikely (`likely` 1 or 0), with an
// optional tag. Initial bytes as in include/linux/jump_label.h: the branch
// whose hint matches its key's default (likely on a true key, unlikely on a
// false key) starts as the NOP, the other two as the JMP. The site's asm
// says whether it jumps; likely's condition is that it does not (the
// kernel's !arch_static_branch).
#define POKEBENCH_STATIC_BRANCH_CXX_(x, likely, what, tag_asm, tag)                      \
  ({                                                                                     \
    static_assert(::pokebench::patcher::detail::is_true_key<decltype(*(x))> ||           \
                      ::pokebench::patcher::detail::is_false_key<decltype(*(x))>,        \
                  what " takes a static_key_true or static_key_false");                  \
    bool pb_jumps_;                                                                      \
    if constexpr (::pokebench::patcher::detail::is_true_key<decltype(*(x))> == (likely)) \
      pb_jumps_ = POKEBENCH_ARCH_STATIC_BRANCH_(&(x)->key, likely, tag_asm, tag);        \
    else                                                                                 \
      pb_jumps_ = POKEBENCH_ARCH_STATIC_BRANCH_JUMP_(&(x)->key, likely, tag_asm, tag);   \
    __builtin_expect(pb_jumps_ != (likely), likely);                                     \
  })
#define POKEBENCH_STATIC_BRANCH_LIKELY_(x, tag_asm, tag) \
  POKEBENCH_STATIC_BRANCH_CXX_(x, 1, "static_branch_likely()", tag_asm, tag)
#define POKEBENCH_STATIC_BRANCH_UNLIKELY_(x, tag_asm, tag) \
  POKEBENCH_STATIC_BRANCH_CXX_(x, 0, "static_branch_unlikely()", tag_asm, tag)
