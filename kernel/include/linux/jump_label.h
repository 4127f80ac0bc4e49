/* The kernel's static-key API (include/linux/jump_label.h), as kernels from
 * v4.9 to v6.x spell it, for C (gnu11) and C++, on pokebench's patcher: the
 * sites are real 5-byte NOP/JMP instructions rewritten with the int3
 * protocol, through the patch policy in scope on the calling thread
 * (pokebench::patcher::ScopedPolicy; the default Config otherwise).
 *
 *   keys       struct static_key / static_key_true / static_key_false,
 *              STATIC_KEY_INIT{,_TRUE,_FALSE}, STATIC_KEY_{TRUE,FALSE}_INIT,
 *              DEFINE/DECLARE_STATIC_KEY_{TRUE,FALSE}{,_RO}, _ARRAY_, _MAYBE
 *   branches   static_branch_likely/unlikely, static_branch_maybe,
 *              legacy static_key_true/static_key_false(&key)
 *   changes    static_branch_{inc,dec,enable,disable}{,_cpuslocked},
 *              static_key_slow_{inc,dec}{,_cpuslocked} (inc returns bool as
 *              since v6.2; callers of the void form ignore it),
 *              static_key_{enable,disable}{,_cpuslocked},
 *              static_key_fast_inc_not_disabled
 *   queries    static_key_count, static_key_enabled, jump_label_enabled
 *   other      jump_label_init, jump_label_lock/unlock, static_key_initialized,
 *              mark_rodata_ro (seals _RO keys)
 *
 * Semantics follow kernel/jump_label.c: only 0 <-> 1 patches, -1 while the
 * first enable patches, WARN_ON_ONCE on misuse (once per check), the
 * *_cpuslocked forms warn unless the hotplug lock is held, a key used before
 * jump_label_init() warns, and a change to a _RO key once mark_rodata_ro()
 * ran is refused with a warning (the kernel's write would fault instead).
 *
 * C++: the legacy static_key_true()/static_key_false() are function-like
 * macros, so `struct static_key_true` and the calls live side by side as in
 * C; what C++ cannot do is name them as functions (take their address) or
 * write a functional cast `static_key_true(...)`. DEFINE_STATIC_KEY_ARRAY_TRUE
 * needs GNU C's range initialiser and is C only (the _FALSE array works). */
#ifndef _LINUX_JUMP_LABEL_H
#define _LINUX_JUMP_LABEL_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/kconfig.h>
#include <pokebench/patcher/static_key.h>
#ifdef __cplusplus
#include <pokebench/patcher/static_key.hpp>
#endif

POKEBENCH_EXTERN_C_BEGIN

extern bool static_key_initialized;
void jump_label_init(void);
void jump_label_lock(void);
void jump_label_unlock(void);
/* Seals _RO keys: the kernel's mark_rodata_ro() at the end of boot (and a
 * module's ro_after_init data once its init returned). The module runner
 * calls it after every module_init. */
void mark_rodata_ro(void);

bool static_key_slow_inc(struct static_key* key);
void static_key_slow_dec(struct static_key* key);
bool static_key_slow_inc_cpuslocked(struct static_key* key);
void static_key_slow_dec_cpuslocked(struct static_key* key);
bool static_key_fast_inc_not_disabled(struct static_key* key);
void static_key_enable(struct static_key* key);
void static_key_disable(struct static_key* key);
void static_key_enable_cpuslocked(struct static_key* key);
void static_key_disable_cpuslocked(struct static_key* key);

/* -1 (the first enable in progress) reads as 1. The acquire pairs with the
 * release that publishes 1 once every site is patched. */
static inline int static_key_count(struct static_key* key) {
  int n = __atomic_load_n(&key->enabled.counter, __ATOMIC_ACQUIRE);
  return n >= 0 ? n : 1;
}

POKEBENCH_EXTERN_C_END

/* Initialisers of a struct static_key and of the typed keys. The typed ones
 * are braces, not the kernel's compound literals, so that C++ initialises
 * them statically too. */
#define STATIC_KEY_INIT_TRUE         \
  {                                  \
    {1}, { POKEBENCH_KEY_TYPE_TRUE } \
  }
#define STATIC_KEY_INIT_FALSE \
  {                           \
    {0}, { 0 }                \
  }
#define STATIC_KEY_INIT STATIC_KEY_INIT_FALSE
#define STATIC_KEY_TRUE_INIT \
  { STATIC_KEY_INIT_TRUE }
#define STATIC_KEY_FALSE_INIT \
  { STATIC_KEY_INIT_FALSE }
#define POKEBENCH_STATIC_KEY_TRUE_RO_INIT_                     \
  {                                                            \
    {                                                          \
      {1}, { POKEBENCH_KEY_TYPE_TRUE | POKEBENCH_KEY_TYPE_RO } \
    }                                                          \
  }
#define POKEBENCH_STATIC_KEY_FALSE_RO_INIT_ \
  {                                         \
    {                                       \
      {0}, { POKEBENCH_KEY_TYPE_RO }        \
    }                                       \
  }

#define DEFINE_STATIC_KEY_TRUE(name) struct static_key_true name = STATIC_KEY_TRUE_INIT
#define DEFINE_STATIC_KEY_FALSE(name) struct static_key_false name = STATIC_KEY_FALSE_INIT
#define DEFINE_STATIC_KEY_TRUE_RO(name) struct static_key_true name = POKEBENCH_STATIC_KEY_TRUE_RO_INIT_
#define DEFINE_STATIC_KEY_FALSE_RO(name) struct static_key_false name = POKEBENCH_STATIC_KEY_FALSE_RO_INIT_
#define DECLARE_STATIC_KEY_TRUE(name) extern struct static_key_true name
#define DECLARE_STATIC_KEY_FALSE(name) extern struct static_key_false name

#ifdef __cplusplus
#define DEFINE_STATIC_KEY_ARRAY_TRUE(name, count) \
  static_assert(false, "DEFINE_STATIC_KEY_ARRAY_TRUE needs GNU C's [0 ... n-1] initialiser: C only")
/* Zero-initialised elements are exactly false keys. */
#define DEFINE_STATIC_KEY_ARRAY_FALSE(name, count) struct static_key_false name[count] = {}
#else
#define DEFINE_STATIC_KEY_ARRAY_TRUE(name, count) \
  struct static_key_true name[count] = {[0 ...(count) - 1] = STATIC_KEY_TRUE_INIT}
#define DEFINE_STATIC_KEY_ARRAY_FALSE(name, count) \
  struct static_key_false name[count] = {[0 ...(count) - 1] = STATIC_KEY_FALSE_INIT}
#endif

/* A key whose default follows a config option (IS_ENABLED, linux/kconfig.h). */
#define POKEBENCH_PASTE_(a, b) POKEBENCH_PASTE2_(a, b)
#define POKEBENCH_PASTE2_(a, b) a##b
#define POKEBENCH_DEFINE_KEY_1(name) DEFINE_STATIC_KEY_TRUE(name)
#define POKEBENCH_DEFINE_KEY_0(name) DEFINE_STATIC_KEY_FALSE(name)
#define POKEBENCH_DEFINE_KEY_RO_1(name) DEFINE_STATIC_KEY_TRUE_RO(name)
#define POKEBENCH_DEFINE_KEY_RO_0(name) DEFINE_STATIC_KEY_FALSE_RO(name)
#define POKEBENCH_DECLARE_KEY_1(name) DECLARE_STATIC_KEY_TRUE(name)
#define POKEBENCH_DECLARE_KEY_0(name) DECLARE_STATIC_KEY_FALSE(name)
#define DEFINE_STATIC_KEY_MAYBE(cfg, name) POKEBENCH_PASTE_(POKEBENCH_DEFINE_KEY_, IS_ENABLED(cfg))(name)
#define DEFINE_STATIC_KEY_MAYBE_RO(cfg, name) POKEBENCH_PASTE_(POKEBENCH_DEFINE_KEY_RO_, IS_ENABLED(cfg))(name)
#define DECLARE_STATIC_KEY_MAYBE(cfg, name) POKEBENCH_PASTE_(POKEBENCH_DECLARE_KEY_, IS_ENABLED(cfg))(name)

/* Branches. The site's initial bytes follow the key's type, as the kernel's
 * arch_static_branch / arch_static_branch_jump choose them. */
#ifdef __cplusplus
#define static_branch_likely(x) POKEBENCH_STATIC_BRANCH_LIKELY(x)
#define static_branch_unlikely(x) POKEBENCH_STATIC_BRANCH_UNLIKELY(x)
#else
/* In C a site carries the tag POKEBENCH_SITE_TAG names where the branch is
 * written (pokebench/kernel/scenario.h: tags name sites for the patch
 * orders "<tag>-first"); "" is none, and then no tag entry is emitted. */
#ifndef POKEBENCH_SITE_TAG
#define POKEBENCH_SITE_TAG ""
#endif
#define static_branch_likely(x)                                                                                       \
  __builtin_choose_expr(sizeof(POKEBENCH_SITE_TAG) > 1, POKEBENCH_STATIC_BRANCH_LIKELY_TAGGED(x, POKEBENCH_SITE_TAG), \
                        POKEBENCH_STATIC_BRANCH_LIKELY(x))
#define static_branch_unlikely(x)                                                       \
  __builtin_choose_expr(sizeof(POKEBENCH_SITE_TAG) > 1,                                 \
                        POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(x, POKEBENCH_SITE_TAG), \
                        POKEBENCH_STATIC_BRANCH_UNLIKELY(x))
#endif
#define static_branch_maybe(config, x) (IS_ENABLED(config) ? static_branch_likely(x) : static_branch_unlikely(x))

/* The pre-v4.3 API on a plain struct static_key: static_key_false() is an
 * unlikely branch compiled as the NOP, static_key_true() a likely one
 * compiled as the NOP (so it expects a key initialised true). */
#ifdef __cplusplus
#define POKEBENCH_LEGACY_KEY_CHECK_(key)                                                  \
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(*(key))>, struct static_key>, \
                "static_key_true/false() take a struct static_key * (use static_branch_* otherwise)")
#define static_key_false(key)                     \
  ({                                              \
    POKEBENCH_LEGACY_KEY_CHECK_(key);             \
    POKEBENCH_ARCH_STATIC_BRANCH_(key, 0, "", 0); \
  })
#define static_key_true(key)                       \
  ({                                               \
    POKEBENCH_LEGACY_KEY_CHECK_(key);              \
    !POKEBENCH_ARCH_STATIC_BRANCH_(key, 1, "", 0); \
  })
#else
extern bool pokebench_wrong_legacy_key_error(void)
    __attribute__((__error__("static_key_true/false() take a struct static_key * (use static_branch_* otherwise)")));
#define static_key_false(key)                                                                                      \
  __builtin_expect(                                                                                                \
      __builtin_choose_expr(POKEBENCH_IS_KEY_TYPE_(key, static_key), POKEBENCH_ARCH_STATIC_BRANCH_(key, 0, "", 0), \
                            pokebench_wrong_legacy_key_error()),                                                   \
      0)
#define static_key_true(key)                                                                                        \
  __builtin_expect(                                                                                                 \
      __builtin_choose_expr(POKEBENCH_IS_KEY_TYPE_(key, static_key), !POKEBENCH_ARCH_STATIC_BRANCH_(key, 1, "", 0), \
                            pokebench_wrong_legacy_key_error()),                                                    \
      1)
#endif

/* static_key_enabled() takes any of the three key types. */
#ifdef __cplusplus
inline struct static_key* pokebench_key_of(struct static_key* key) { return key; }
inline struct static_key* pokebench_key_of(struct static_key_true* key) { return &key->key; }
inline struct static_key* pokebench_key_of(struct static_key_false* key) { return &key->key; }
inline struct static_key* pokebench_key_of(const struct static_key* key) { return const_cast<struct static_key*>(key); }
inline struct static_key* pokebench_key_of(const struct static_key_true* key) {
  return const_cast<struct static_key*>(&key->key);
}
inline struct static_key* pokebench_key_of(const struct static_key_false* key) {
  return const_cast<struct static_key*>(&key->key);
}
#define static_key_enabled(x) (static_key_count(pokebench_key_of(x)) > 0)
#else
#define static_key_enabled(x)                                                                              \
  ({                                                                                                       \
    _Static_assert(POKEBENCH_IS_KEY_TYPE_(x, static_key) || POKEBENCH_IS_KEY_TYPE_(x, static_key_true) ||  \
                       POKEBENCH_IS_KEY_TYPE_(x, static_key_false),                                        \
                   "static_key_enabled() takes a struct static_key, static_key_true or static_key_false"); \
    static_key_count((struct static_key*)(x)) > 0;                                                         \
  })
#endif
#define jump_label_enabled static_key_enabled

#define static_branch_inc(x) static_key_slow_inc(&(x)->key)
#define static_branch_dec(x) static_key_slow_dec(&(x)->key)
#define static_branch_enable(x) static_key_enable(&(x)->key)
#define static_branch_disable(x) static_key_disable(&(x)->key)
#define static_branch_inc_cpuslocked(x) static_key_slow_inc_cpuslocked(&(x)->key)
#define static_branch_dec_cpuslocked(x) static_key_slow_dec_cpuslocked(&(x)->key)
#define static_branch_enable_cpuslocked(x) static_key_enable_cpuslocked(&(x)->key)
#define static_branch_disable_cpuslocked(x) static_key_disable_cpuslocked(&(x)->key)

#endif /* _LINUX_JUMP_LABEL_H */
