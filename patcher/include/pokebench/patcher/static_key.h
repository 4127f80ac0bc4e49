/* Static keys and static branch sites, laid out exactly as Linux x86-64 does,
 * for C (gnu11) and C++ alike.
 *
 * A site is 5 bytes of code: the atomic NOP `0f 1f 44 00 00` or `e9 rel32`.
 * Each one gets a jump-table entry {code, target, key | flags}, self-relative
 * (v4.20+ layout, no dynamic relocations under PIE), in the section
 * __pokebench_jump_table, enumerated through the linker's __start_/__stop_
 * symbols of every module (executable or shared library) that has sites.
 * The compiled bytes already match the key's static initial state, exactly as
 * the kernel's arch_static_branch / arch_static_branch_jump choose them, so no
 * init call is needed before a site runs; the tables are registered by a
 * constructor that every translation unit including this header carries.
 *
 * struct static_key has the kernel's layout (include/linux/jump_label.h):
 * an atomic_t count and a word that the kernel uses for its entries pointer
 * and type bits; here the word only carries the type bits.
 */
#ifndef POKEBENCH_PATCHER_STATIC_KEY_H
#define POKEBENCH_PATCHER_STATIC_KEY_H

#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#ifdef __cplusplus
#define POKEBENCH_EXTERN_C_BEGIN extern "C" {
#define POKEBENCH_EXTERN_C_END }
#else
#define POKEBENCH_EXTERN_C_BEGIN
#define POKEBENCH_EXTERN_C_END
#endif

POKEBENCH_EXTERN_C_BEGIN

/* The kernel's atomic_t (include/linux/types.h); <linux/atomic.h> names it. */
typedef struct {
  int counter;
} pokebench_atomic_t;

/* `enabled` is the kernel's reference count: 0 disabled, >0 enabled, -1
 * while the first enable is being patched in (static_key_count() reads 1). */
struct static_key {
  pokebench_atomic_t enabled;
  union {
    unsigned long type; /* POKEBENCH_KEY_TYPE_* bits */
    void* entries;      /* the kernel's jump_entry / static_key_mod pointer; unused */
  };
};
struct static_key_true {
  struct static_key key;
};
struct static_key_false {
  struct static_key key;
};

/* Bits of static_key.type. TRUE is the kernel's JUMP_TYPE_TRUE (the key's
 * initial state); RO marks a key defined with DEFINE_STATIC_KEY_*_RO. */
#define POKEBENCH_KEY_TYPE_TRUE 1UL
#define POKEBENCH_KEY_TYPE_RO 4UL

/* One entry of the jump table; every field is relative to its own address. */
struct pokebench_jump_entry {
  int32_t code;   /* site - &code */
  int32_t target; /* out-of-line label - &target */
  int64_t key;    /* (key or key slot) - &key, low bits: POKEBENCH_JUMP_ENTRY_* */
};
#define POKEBENCH_JUMP_ENTRY_BRANCH 1   /* the branch is "likely" */
#define POKEBENCH_JUMP_ENTRY_INDIRECT 2 /* the field points at a `struct static_key *` slot */

/* A tagged site also has an entry here: {code - &code, tag string - &tag}. */
struct pokebench_site_tag_entry {
  int32_t code;
  int32_t tag;
};

/* Registers one module's tables (idempotent). Called by the constructor below. */
void pokebench_register_module(const struct pokebench_jump_entry* start, const struct pokebench_jump_entry* stop,
                               const struct pokebench_site_tag_entry* tags_start,
                               const struct pokebench_site_tag_entry* tags_stop);

/* The linker defines these for each module whose tables are not empty;
 * hidden makes every module see its own, weak makes a module without sites
 * link. */
extern const struct pokebench_jump_entry __start___pokebench_jump_table[] __attribute__((weak, visibility("hidden")));
extern const struct pokebench_jump_entry __stop___pokebench_jump_table[] __attribute__((weak, visibility("hidden")));
extern const struct pokebench_site_tag_entry __start___pokebench_site_tags[]
    __attribute__((weak, visibility("hidden")));
extern const struct pokebench_site_tag_entry __stop___pokebench_site_tags[] __attribute__((weak, visibility("hidden")));

POKEBENCH_EXTERN_C_END

/* One per translation unit; registering a module twice is a no-op. The weak
 * references also keep the sections alive under --gc-sections (GNU ld retains
 * a section whose __start_/__stop_ symbols are referenced). */
__attribute__((constructor, used)) static void pokebench_register_this_module(void) {
  pokebench_register_module(__start___pokebench_jump_table, __stop___pokebench_jump_table,
                            __start___pokebench_site_tags, __stop___pokebench_site_tags);
}

/* In a shared object a default-visibility key may be preempted, so its
 * address is no link-time constant; the site then refers to a local slot
 * holding the key's address (POKEBENCH_JUMP_ENTRY_INDIRECT). Executables (PIE
 * or not) use the key. Limits of what GCC accepts as an "i" operand under
 * -fPIC: in a shared object, sites of such keys must be in functions that are
 * not inlined elsewhere (an inline function's slot is itself preemptible);
 * code that goes into an executable is best compiled -fPIE (CMake: a static
 * library gets -fPIC by default; add -fPIE to it), which needs no slot. */
#if defined(__PIC__) && !defined(__PIE__)
#define POKEBENCH_KEY_REF_(keyptr)                                                             \
  ({                                                                                           \
    static struct static_key* const pb_key_slot_ __attribute__((aligned(8), used)) = (keyptr); \
    &pb_key_slot_;                                                                             \
  })
#define POKEBENCH_KEY_FLAGS_ 2
#else
#define POKEBENCH_KEY_REF_(keyptr) (keyptr)
#define POKEBENCH_KEY_FLAGS_ 0
#endif

#ifdef __cplusplus
#define POKEBENCH_BOOL_ bool
#else
#define POKEBENCH_BOOL_ _Bool
#endif

/* Optional tag entry (a name the harness orders and reports sites by). */
#define POKEBENCH_TAG_ASM_(tag_operand)            \
  ".pushsection __pokebench_site_tags, \"aw\"\n\t" \
  ".balign 4\n\t"                                  \
  ".long 1b - .\n\t"                               \
  ".long " tag_operand                             \
  " - .\n\t"                                       \
  ".popsection\n\t"

#define POKEBENCH_ENTRY_ASM_                        \
  ".pushsection __pokebench_jump_table, \"aw\"\n\t" \
  ".balign 8\n\t"                                   \
  ".long 1b - .\n\t"                                \
  ".long %l[pb_l_yes] - .\n\t"                      \
  ".quad %c0 + %c1 - .\n\t"                         \
  ".popsection\n\t"

/* One site: `insn_asm` (the 5 initial bytes at label 1), its table entry,
 * and the value "the site jumps". A statement expression with local labels,
 * not an inline function, so that the "i" operands are constants even at
 * -O0. */
#define POKEBENCH_SITE_(insn_asm, keyptr, branch, tag_asm, tag)                                \
  ({                                                                                           \
    __label__ pb_l_yes, pb_l_done;                                                             \
    POKEBENCH_BOOL_ pb_taken_;                                                                 \
    asm goto(insn_asm POKEBENCH_ENTRY_ASM_ tag_asm                                             \
             :                                                                                 \
             : "i"(POKEBENCH_KEY_REF_(keyptr)), "i"((branch) | POKEBENCH_KEY_FLAGS_), "i"(tag) \
             :                                                                                 \
             : pb_l_yes);                                                                      \
    pb_taken_ = 0;                                                                             \
    goto pb_l_done;                                                                            \
  pb_l_yes:                                                                                    \
    pb_taken_ = 1;                                                                             \
  pb_l_done:                                                                                   \
    pb_taken_;                                                                                 \
  })

/* arch_static_branch: site compiled as the NOP; true when patched to the JMP. */
#define POKEBENCH_ARCH_STATIC_BRANCH_(keyptr, branch, tag_asm, tag) \
  POKEBENCH_SITE_("1: .byte 0x0f,0x1f,0x44,0x00,0x00\n\t", keyptr, branch, tag_asm, tag)
/* arch_static_branch_jump: site compiled as `e9 rel32`; true while it jumps. */
#define POKEBENCH_ARCH_STATIC_BRANCH_JUMP_(keyptr, branch, tag_asm, tag) \
  POKEBENCH_SITE_("1: .byte 0xe9\n\t.long %l[pb_l_yes] - 2f\n\t2:\n\t", keyptr, branch, tag_asm, tag)

/* The kernel's static_branch_likely/unlikely (include/linux/jump_label.h),
 * with an optional tag. Initial bytes: unlikely on a false key and likely on
 * a true key start as the NOP; the other two start as the JMP. C picks the
 * variant with __builtin_choose_expr (the other is never emitted, even at
 * -O0); C++ with `if constexpr` (static_key.hpp). */
#ifndef __cplusplus
#define POKEBENCH_IS_KEY_TYPE_(x, type) __builtin_types_compatible_p(__typeof__(*(x)), struct type)
/* Reached only when a static branch is given the wrong kind of key. */
extern POKEBENCH_BOOL_ pokebench_wrong_branch_error(void)
    __attribute__((error("static_branch_likely/unlikely() take a struct static_key_true or struct static_key_false")));

#define POKEBENCH_STATIC_BRANCH_LIKELY_(x, tag_asm, tag)                                                           \
  __builtin_expect(                                                                                                \
      __builtin_choose_expr(POKEBENCH_IS_KEY_TYPE_(x, static_key_true),                                            \
                            !POKEBENCH_ARCH_STATIC_BRANCH_(&(x)->key, 1, tag_asm, tag),                            \
                            __builtin_choose_expr(POKEBENCH_IS_KEY_TYPE_(x, static_key_false),                     \
                                                  !POKEBENCH_ARCH_STATIC_BRANCH_JUMP_(&(x)->key, 1, tag_asm, tag), \
                                                  pokebench_wrong_branch_error())),                                \
      1)

#define POKEBENCH_STATIC_BRANCH_UNLIKELY_(x, tag_asm, tag)                                                   \
  __builtin_expect(                                                                                          \
      __builtin_choose_expr(POKEBENCH_IS_KEY_TYPE_(x, static_key_true),                                      \
                            POKEBENCH_ARCH_STATIC_BRANCH_JUMP_(&(x)->key, 0, tag_asm, tag),                  \
                            __builtin_choose_expr(POKEBENCH_IS_KEY_TYPE_(x, static_key_false),               \
                                                  POKEBENCH_ARCH_STATIC_BRANCH_(&(x)->key, 0, tag_asm, tag), \
                                                  pokebench_wrong_branch_error())),                          \
      0)

#endif

/* Public spellings (the C++ variants are in static_key.hpp). `tag` must be a
 * string literal; the harness uses tags ("begin", "retry") to order and name
 * sites. */
#define POKEBENCH_STATIC_BRANCH_LIKELY(x) POKEBENCH_STATIC_BRANCH_LIKELY_(x, "", 0)
#define POKEBENCH_STATIC_BRANCH_UNLIKELY(x) POKEBENCH_STATIC_BRANCH_UNLIKELY_(x, "", 0)
#define POKEBENCH_STATIC_BRANCH_LIKELY_TAGGED(x, tag) POKEBENCH_STATIC_BRANCH_LIKELY_(x, POKEBENCH_TAG_ASM_("%c2"), tag)
#define POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(x, tag) \
  POKEBENCH_STATIC_BRANCH_UNLIKELY_(x, POKEBENCH_TAG_ASM_("%c2"), tag)

/* Static initialisers: {count, type bits}. */
#define POKEBENCH_STATIC_KEY_INIT_TRUE \
  {                                    \
    {                                  \
      {1}, { POKEBENCH_KEY_TYPE_TRUE } \
    }                                  \
  }
#define POKEBENCH_STATIC_KEY_INIT_FALSE \
  {                                     \
    {                                   \
      {0}, { 0 }                        \
    }                                   \
  }

#endif /* POKEBENCH_PATCHER_STATIC_KEY_H */
