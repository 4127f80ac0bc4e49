// SPDX-License-Identifier: GPL-2.0
/*
 * Static-key self-test in the style of the kernel's lib/test_static_keys.c
 * (written for pokebench, not copied): every key is checked through its
 * likely and unlikely branches, legacy and typed, local and from
 * keys_base.c; then every key is inverted and checked again; then the
 * reference counts, the _cpuslocked forms, static_branch_maybe, the _ARRAY
 * keys and the v6.2 bool static_key_slow_inc.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/jump_label.h>
#include <linux/module.h>

extern struct static_key base_old_true_key;
extern struct static_key base_old_false_key;
DECLARE_STATIC_KEY_TRUE(base_true_key);
DECLARE_STATIC_KEY_FALSE(base_false_key);
bool base_old_true_key_branch(void);
bool base_old_false_key_branch(void);
bool base_true_likely(void);
bool base_false_unlikely(void);

static struct static_key old_true_key = STATIC_KEY_INIT_TRUE;
static struct static_key old_false_key = STATIC_KEY_INIT;
static DEFINE_STATIC_KEY_TRUE(true_key);
static DEFINE_STATIC_KEY_FALSE(false_key);

#define CONFIG_POKEBENCH_SELFTEST_ON 1
static DEFINE_STATIC_KEY_MAYBE(CONFIG_POKEBENCH_SELFTEST_ON, maybe_on_key);
static DEFINE_STATIC_KEY_MAYBE(CONFIG_POKEBENCH_SELFTEST_OFF, maybe_off_key);
static DEFINE_STATIC_KEY_ARRAY_TRUE(true_keys, 3);
static DEFINE_STATIC_KEY_ARRAY_FALSE(false_keys, 3);

/* One function per branch, so that each is a site of its own. */
#define KEY_BRANCH(name, expr) \
  static bool name(void) { return (expr); }
KEY_BRANCH(old_true_branch, static_key_true(&old_true_key))
KEY_BRANCH(old_false_branch, static_key_false(&old_false_key))
KEY_BRANCH(true_likely, static_branch_likely(&true_key))
KEY_BRANCH(true_unlikely, static_branch_unlikely(&true_key))
KEY_BRANCH(false_likely, static_branch_likely(&false_key))
KEY_BRANCH(false_unlikely, static_branch_unlikely(&false_key))
KEY_BRANCH(base_old_true_here, static_key_true(&base_old_true_key))
KEY_BRANCH(base_old_false_here, static_key_false(&base_old_false_key))
KEY_BRANCH(base_true_unlikely_here, static_branch_unlikely(&base_true_key))
KEY_BRANCH(base_false_likely_here, static_branch_likely(&base_false_key))
KEY_BRANCH(maybe_on_branch, static_branch_maybe(CONFIG_POKEBENCH_SELFTEST_ON, &maybe_on_key))
KEY_BRANCH(maybe_off_branch, static_branch_maybe(CONFIG_POKEBENCH_SELFTEST_OFF, &maybe_off_key))
KEY_BRANCH(true_keys_1, static_branch_likely(&true_keys[1]))
KEY_BRANCH(false_keys_2, static_branch_unlikely(&false_keys[2]))

struct key_case {
  const char* name;
  bool init_state;
  struct static_key* key;
  bool (*branch)(void);
};

static struct key_case cases[] = {
    {"old_true_key", true, &old_true_key, old_true_branch},
    {"old_false_key", false, &old_false_key, old_false_branch},
    {"true_key likely", true, &true_key.key, true_likely},
    {"true_key unlikely", true, &true_key.key, true_unlikely},
    {"false_key likely", false, &false_key.key, false_likely},
    {"false_key unlikely", false, &false_key.key, false_unlikely},
    {"base_old_true_key (base)", true, &base_old_true_key, base_old_true_key_branch},
    {"base_old_true_key (here)", true, &base_old_true_key, base_old_true_here},
    {"base_old_false_key (base)", false, &base_old_false_key, base_old_false_key_branch},
    {"base_old_false_key (here)", false, &base_old_false_key, base_old_false_here},
    {"base_true_key likely (base)", true, &base_true_key.key, base_true_likely},
    {"base_true_key unlikely (here)", true, &base_true_key.key, base_true_unlikely_here},
    {"base_false_key unlikely (base)", false, &base_false_key.key, base_false_unlikely},
    {"base_false_key likely (here)", false, &base_false_key.key, base_false_likely_here},
    {"maybe_on_key", true, &maybe_on_key.key, maybe_on_branch},
    {"maybe_off_key", false, &maybe_off_key.key, maybe_off_branch},
    {"true_keys[1]", true, &true_keys[1].key, true_keys_1},
    {"false_keys[2]", false, &false_keys[2].key, false_keys_2},
};
#define NCASES (int)(sizeof(cases) / sizeof(cases[0]))

static int verify(const char* when, bool inverted) {
  int i, bad = 0;
  for (i = 0; i < NCASES; i++) {
    bool want = cases[i].init_state != inverted;
    if (static_key_enabled(cases[i].key) != want || cases[i].branch() != want) {
      pr_err("%s %s: key %d branch %d, want %d\n", when, cases[i].name, static_key_enabled(cases[i].key),
             cases[i].branch(), want);
      bad++;
    }
  }
  return bad ? -EINVAL : 0;
}

/* Each key once, whatever number of cases share it. */
static void invert_keys(void) {
  int i, j;
  for (i = 0; i < NCASES; i++) {
    for (j = 0; j < i; j++)
      if (cases[j].key == cases[i].key) break;
    if (j < i) continue;
    if (static_key_enabled(cases[i].key))
      static_key_disable(cases[i].key);
    else
      static_key_enable(cases[i].key);
  }
}

static int check_counts(void) {
  int ret = 0;
  if (static_key_count(&false_key.key) != 0) ret = -EINVAL;
  if (static_key_fast_inc_not_disabled(&false_key.key)) ret = -EINVAL; /* disabled: no fast path */
  if (!static_key_slow_inc(&false_key.key)) ret = -EINVAL;             /* v6.2: true on success */
  static_branch_inc(&false_key);
  if (!static_key_fast_inc_not_disabled(&false_key.key)) ret = -EINVAL;
  if (atomic_read(&false_key.key.enabled) != 3 || !false_unlikely()) ret = -EINVAL;
  static_branch_dec(&false_key);
  static_key_slow_dec(&false_key.key);
  if (!false_unlikely() || static_key_count(&false_key.key) != 1) ret = -EINVAL;
  static_branch_dec(&false_key);
  if (false_unlikely() || jump_label_enabled(&false_key)) ret = -EINVAL;

  cpus_read_lock();
  static_branch_inc_cpuslocked(&false_key);
  static_branch_enable_cpuslocked(&true_key); /* already enabled: no-op */
  if (!false_unlikely()) ret = -EINVAL;
  static_branch_dec_cpuslocked(&false_key);
  static_branch_disable_cpuslocked(&true_key);
  cpus_read_unlock();
  if (false_unlikely() || true_likely()) ret = -EINVAL;
  static_branch_enable(&true_key);

  get_online_cpus();
  put_online_cpus();
  jump_label_lock();
  jump_label_unlock();
  if (!static_key_initialized) ret = -EINVAL;
  if (ret) pr_err("reference counts or _cpuslocked forms misbehave\n");
  return ret;
}

static int __init keys_selftest_init(void) {
  int ret = verify("initial", false);
  if (ret) return ret;
  invert_keys();
  ret = verify("inverted", true);
  if (ret) return ret;
  invert_keys();
  ret = verify("restored", false);
  if (ret) return ret;
  ret = check_counts();
  if (ret) return ret;
  pr_info("%d branches on %d cases: ok\n", 2 * NCASES, NCASES);
  return 0;
}

static void __exit keys_selftest_exit(void) {}

module_init(keys_selftest_init);
module_exit(keys_selftest_exit);

MODULE_AUTHOR("pokebench");
MODULE_LICENSE("GPL");
