// Static keys and static branch sites, laid out exactly as Linux x86-64 does.
//
// A site is 5 bytes of code: the atomic NOP `0f 1f 44 00 00` or `e9 rel32`.
// Each one gets a jump-table entry {code, target, key | flags}, self-relative
// (v4.20+ layout, no dynamic relocations under PIE), in the section
// __pokebench_jump_table, enumerated through the linker's __start_/__stop_
// symbols of every module (executable or shared library) that has sites.
// The compiled bytes already match the key's static initial state, exactly as
// the kernel's arch_static_branch / arch_static_branch_jump choose them, so no
// init call is needed before a site runs; the tables are registered by a
// constructor that every translation unit including this header carries.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>

namespace pokebench {

// `enabled` is the kernel's reference count: 0 disabled, >0 enabled, -1 while
// the first enable is being patched in (static_key_count() reports 1 then).
struct static_key {
  std::atomic<int> enabled;
};
struct static_key_true {
  struct static_key key;
};
struct static_key_false {
  struct static_key key;
};

namespace patcher {

// One entry of the jump table; every field is relative to its own address.
struct jump_entry {
  std::int32_t code;   // site - &code
  std::int32_t target; // out-of-line label - &target
  std::int64_t key;    // (key or key slot) - &key, low bits: kJumpEntry*
};
static_assert(sizeof(jump_entry) == 16);

inline constexpr std::int64_t kJumpEntryBranch = 1;   // the branch is "likely"
inline constexpr std::int64_t kJumpEntryIndirect = 2; // field points at a `static_key*` slot

// A tagged site also has an entry here: {code - &code, tag string - &tag}.
struct site_tag_entry {
  std::int32_t code;
  std::int32_t tag;
};

// Registers one module's tables (idempotent). Called by the constructor below.
void register_module(const jump_entry* start, const jump_entry* stop, const site_tag_entry* tags_start,
                     const site_tag_entry* tags_stop) noexcept;

// Slow paths of the kernel API (kernel/jump_label.c). Each patches every site
// of the key through the policy in scope on the calling thread (ScopedPolicy
// in patcher.hpp; overloads there take the policy as an argument).
void static_key_slow_inc(static_key* key);
void static_key_slow_dec(static_key* key);
void static_key_enable(static_key* key);
void static_key_disable(static_key* key);

// The kernel's static_key_count(): -1 (first enable in progress) reads as 1.
inline int static_key_count(const static_key* key) noexcept {
  // Acquire pairs with the release that publishes 1 after patching, so a
  // caller seeing the key enabled also sees every site patched.
  const int n = key->enabled.load(std::memory_order_acquire);
  return n >= 0 ? n : 1;
}

namespace detail {
template <class K>
inline constexpr bool is_true_key = std::is_same_v<std::remove_cvref_t<K>, static_key_true>;
template <class K>
inline constexpr bool is_false_key = std::is_same_v<std::remove_cvref_t<K>, static_key_false>;
template <class K>
inline constexpr bool is_any_key = is_true_key<K> || is_false_key<K> || std::is_same_v<std::remove_cvref_t<K>, static_key>;
} // namespace detail

} // namespace patcher
} // namespace pokebench

// The linker defines these for each module whose tables are not empty; hidden
// makes every module see its own, weak makes a module without sites link.
extern "C" {
extern const pokebench::patcher::jump_entry __start___pokebench_jump_table[]
    __attribute__((weak, visibility("hidden")));
extern const pokebench::patcher::jump_entry __stop___pokebench_jump_table[]
    __attribute__((weak, visibility("hidden")));
extern const pokebench::patcher::site_tag_entry __start___pokebench_site_tags[]
    __attribute__((weak, visibility("hidden")));
extern const pokebench::patcher::site_tag_entry __stop___pokebench_site_tags[]
    __attribute__((weak, visibility("hidden")));
}

namespace {
// One per translation unit; registering a module twice is a no-op. The weak
// references also keep the sections alive under --gc-sections (GNU ld retains
// a section whose __start_/__stop_ symbols are referenced).
[[gnu::constructor, gnu::used]] void pokebench_register_this_module() {
  pokebench::patcher::register_module(__start___pokebench_jump_table, __stop___pokebench_jump_table,
                                      __start___pokebench_site_tags, __stop___pokebench_site_tags);
}
} // namespace

// In a shared object a default-visibility key may be preempted, so its address
// is no link-time constant; the site then refers to a local slot holding the
// key's address (kJumpEntryIndirect). Executables (PIE or not) use the key.
// Limits of what GCC accepts as an "i" operand under -fPIC: in a shared
// object, sites of such keys must be in functions that are not inlined
// elsewhere (an inline function's slot is itself preemptible); code that goes
// into an executable is best compiled -fPIE (CMake: a static library gets
// -fPIC by default; add -fPIE to it), which needs no slot at all.
#if defined(__PIC__) && !defined(__PIE__)
#define POKEBENCH_KEY_REF_(keyptr)                                                                   \
  ({                                                                                                 \
    static ::pokebench::static_key* const pb_key_slot_ __attribute__((aligned(8), used)) = (keyptr); \
    &pb_key_slot_;                                                                                   \
  })
#define POKEBENCH_KEY_FLAGS_ 2
#else
#define POKEBENCH_KEY_REF_(keyptr) (keyptr)
#define POKEBENCH_KEY_FLAGS_ 0
#endif

#define POKEBENCH_STR_(x) #x

// Optional tag entry (a name the harness orders and reports sites by).
#define POKEBENCH_TAG_ASM_(tag_operand)                                                            \
  ".pushsection __pokebench_site_tags, \"aw\"\n\t"                                                 \
  ".balign 4\n\t"                                                                                  \
  ".long 1b - .\n\t"                                                                               \
  ".long " tag_operand " - .\n\t"                                                                  \
  ".popsection\n\t"

#define POKEBENCH_ENTRY_ASM_                                                                       \
  ".pushsection __pokebench_jump_table, \"aw\"\n\t"                                                \
  ".balign 8\n\t"                                                                                  \
  ".long 1b - .\n\t"                                                                               \
  ".long %l[pb_l_yes] - .\n\t"                                                                     \
  ".quad %c0 + %c1 - .\n\t"                                                                        \
  ".popsection\n\t"

// arch_static_branch: site compiled as the NOP; true when patched to the JMP.
// A statement expression with local labels, not an inline function, so that
// the "i" operands are constants even at -O0.
#define POKEBENCH_ARCH_STATIC_BRANCH_(keyptr, branch, tag_asm, tag)                               \
  ({                                                                                               \
    __label__ pb_l_yes, pb_l_done;                                                                 \
    bool pb_taken_;                                                                                \
    asm goto("1: .byte 0x0f,0x1f,0x44,0x00,0x00\n\t" POKEBENCH_ENTRY_ASM_ tag_asm                  \
             :                                                                                     \
             : "i"(POKEBENCH_KEY_REF_(keyptr)), "i"((branch) | POKEBENCH_KEY_FLAGS_), "i"(tag)      \
             :                                                                                     \
             : pb_l_yes);                                                                          \
    pb_taken_ = false;                                                                             \
    goto pb_l_done;                                                                                \
  pb_l_yes:                                                                                        \
    pb_taken_ = true;                                                                              \
  pb_l_done:                                                                                       \
    pb_taken_;                                                                                     \
  })

// arch_static_branch_jump: site compiled as `e9 rel32`; true while it jumps.
#define POKEBENCH_ARCH_STATIC_BRANCH_JUMP_(keyptr, branch, tag_asm, tag)                          \
  ({                                                                                               \
    __label__ pb_l_yes, pb_l_done;                                                                 \
    bool pb_taken_;                                                                                \
    asm goto("1: .byte 0xe9\n\t.long %l[pb_l_yes] - 2f\n\t2:\n\t" POKEBENCH_ENTRY_ASM_ tag_asm     \
             :                                                                                     \
             : "i"(POKEBENCH_KEY_REF_(keyptr)), "i"((branch) | POKEBENCH_KEY_FLAGS_), "i"(tag)      \
             :                                                                                     \
             : pb_l_yes);                                                                          \
    pb_taken_ = false;                                                                             \
    goto pb_l_done;                                                                                \
  pb_l_yes:                                                                                        \
    pb_taken_ = true;                                                                              \
  pb_l_done:                                                                                       \
    pb_taken_;                                                                                     \
  })

// The kernel's static_branch_likely/unlikely, with an optional tag.
// Initial bytes as in include/linux/jump_label.h: unlikely on a false key and
// likely on a true key start as the NOP; the other two start as the JMP.
#define POKEBENCH_STATIC_BRANCH_LIKELY_(x, tag_asm, tag)                                           \
  ({                                                                                               \
    static_assert(::pokebench::patcher::detail::is_true_key<decltype(*(x))> ||                     \
                      ::pokebench::patcher::detail::is_false_key<decltype(*(x))>,                  \
                  "static_branch_likely() takes a static_key_true or static_key_false");           \
    bool pb_branch_;                                                                               \
    if constexpr (::pokebench::patcher::detail::is_true_key<decltype(*(x))>)                       \
      pb_branch_ = !POKEBENCH_ARCH_STATIC_BRANCH_(&(x)->key, 1, tag_asm, tag);                     \
    else                                                                                           \
      pb_branch_ = !POKEBENCH_ARCH_STATIC_BRANCH_JUMP_(&(x)->key, 1, tag_asm, tag);                \
    __builtin_expect(pb_branch_, 1);                                                               \
  })

#define POKEBENCH_STATIC_BRANCH_UNLIKELY_(x, tag_asm, tag)                                         \
  ({                                                                                               \
    static_assert(::pokebench::patcher::detail::is_true_key<decltype(*(x))> ||                     \
                      ::pokebench::patcher::detail::is_false_key<decltype(*(x))>,                  \
                  "static_branch_unlikely() takes a static_key_true or static_key_false");         \
    bool pb_branch_;                                                                               \
    if constexpr (::pokebench::patcher::detail::is_true_key<decltype(*(x))>)                       \
      pb_branch_ = POKEBENCH_ARCH_STATIC_BRANCH_JUMP_(&(x)->key, 0, tag_asm, tag);                 \
    else                                                                                           \
      pb_branch_ = POKEBENCH_ARCH_STATIC_BRANCH_(&(x)->key, 0, tag_asm, tag);                      \
    __builtin_expect(pb_branch_, 0);                                                               \
  })

// Public C++ spellings. `tag` must be a string literal; the harness uses tags
// ("begin", "retry") to order and name sites.
#define POKEBENCH_STATIC_BRANCH_LIKELY(x) POKEBENCH_STATIC_BRANCH_LIKELY_(x, "", 0)
#define POKEBENCH_STATIC_BRANCH_UNLIKELY(x) POKEBENCH_STATIC_BRANCH_UNLIKELY_(x, "", 0)
#define POKEBENCH_STATIC_BRANCH_LIKELY_TAGGED(x, tag)                                              \
  POKEBENCH_STATIC_BRANCH_LIKELY_(x, POKEBENCH_TAG_ASM_("%c2"), tag)
#define POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(x, tag)                                            \
  POKEBENCH_STATIC_BRANCH_UNLIKELY_(x, POKEBENCH_TAG_ASM_("%c2"), tag)

#define POKEBENCH_STATIC_KEY_INIT_TRUE {{{1}}}
#define POKEBENCH_STATIC_KEY_INIT_FALSE {{{0}}}
