// The kernel's static-key API compiled as C++: the layout, the legacy calls
// next to the structs of the same names, WARN_ON_ONCE once per check, _RO
// keys, the hotplug-lock assertion, deferred keys patching through their
// caller's policy, and C code driven through a ScopedPolicy.
#include <linux/cpu.h>
#include <linux/jump_label.h>
#include <linux/jump_label_ratelimit.h>

#include <pokebench/patcher/patcher.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <thread>

extern "C" {
bool c_toggle_branch(void);
void c_toggle_enable(void);
void c_toggle_disable(void);
}

namespace {

namespace patcher = pokebench::patcher;

struct static_key legacy_true = STATIC_KEY_INIT_TRUE;
struct static_key legacy_false = STATIC_KEY_INIT;
struct static_key_true typed_true = STATIC_KEY_TRUE_INIT;  // the struct, next to the static_key_true() call
struct static_key_false typed_false = STATIC_KEY_FALSE_INIT;
DEFINE_STATIC_KEY_FALSE(misuse_counted);
DEFINE_STATIC_KEY_FALSE(misuse_zero);
DEFINE_STATIC_KEY_FALSE(misuse_unlocked);
DEFINE_STATIC_KEY_TRUE_RO(ro_true);
DEFINE_STATIC_KEY_DEFERRED_FALSE(deferred_false, HZ / 50);
DEFINE_STATIC_KEY_ARRAY_FALSE(false_array, 4);

[[gnu::noinline]] bool legacy_true_branch() { return static_key_true(&legacy_true); }
[[gnu::noinline]] bool legacy_false_branch() { return static_key_false(&legacy_false); }
[[gnu::noinline]] bool typed_true_branch() { return static_branch_likely(&typed_true); }
[[gnu::noinline]] bool ro_true_branch() { return static_branch_likely(&ro_true); }
[[gnu::noinline]] bool deferred_branch() { return static_branch_unlikely(&deferred_false.key); }
[[gnu::noinline]] bool array_branch() { return static_branch_unlikely(&false_array[3]); }

TEST(KernelLayout, StaticKeyIsTheKernelsSixteenBytesWithAnAtomicCount) {
  static_assert(sizeof(struct static_key) == 16);
  static_assert(offsetof(struct static_key, enabled) == 0);
  static_assert(sizeof(struct static_key_true) == 16 && sizeof(struct static_key_false) == 16);
  EXPECT_EQ(atomic_read(&legacy_true.enabled), 1);
  EXPECT_EQ(atomic_read(&typed_false.key.enabled), 0);
  EXPECT_EQ(legacy_true.type & POKEBENCH_KEY_TYPE_TRUE, POKEBENCH_KEY_TYPE_TRUE) << "JUMP_TYPE_TRUE of the initialiser";
}

TEST(KernelLegacy, StaticKeyTrueAndFalseCallsLiveNextToTheStructs) {
  EXPECT_TRUE(legacy_true_branch());
  EXPECT_FALSE(legacy_false_branch());
  EXPECT_TRUE(typed_true_branch());
  static_key_slow_dec(&legacy_true);
  static_key_slow_inc(&legacy_false);
  EXPECT_FALSE(legacy_true_branch());
  EXPECT_TRUE(legacy_false_branch());
  EXPECT_TRUE(jump_label_enabled(&legacy_false));
  static_key_slow_inc(&legacy_true);
  static_key_slow_dec(&legacy_false);
  EXPECT_TRUE(legacy_true_branch());
  EXPECT_FALSE(legacy_false_branch());
}

TEST(KernelLegacy, ArrayOfFalseKeys) {
  EXPECT_FALSE(array_branch());
  static_branch_enable(&false_array[3]);
  EXPECT_TRUE(array_branch());
  EXPECT_FALSE(static_key_enabled(&false_array[2]));
  static_branch_disable(&false_array[3]);
  EXPECT_FALSE(array_branch());
}

TEST(KernelWarn, EachCheckWarnsOncePerProcessAndDifferentChecksEachWarn) {
  const unsigned long before = pokebench_warn_count();
  static_branch_inc(&misuse_counted);
  static_branch_inc(&misuse_counted);
  for (int round = 0; round < 3; ++round) {
    static_branch_enable(&misuse_counted);              // count 2: WARN_ON_ONCE in static_key_enable
    static_branch_disable(&misuse_counted);             // count 2: WARN_ON_ONCE in static_key_disable
    static_branch_dec(&misuse_zero);                    // underflow
    static_branch_enable_cpuslocked(&misuse_unlocked);  // hotplug lock not held
    if (round == 0) {
      EXPECT_EQ(pokebench_warn_count() - before, 4U) << "four different misuses, four warnings";
    }
  }
  EXPECT_EQ(pokebench_warn_count() - before, 4U) << "repeats of the same check stay silent";
  EXPECT_EQ(static_key_count(&misuse_counted.key), 2) << "the refused enable/disable changed nothing";
  EXPECT_EQ(static_key_count(&misuse_zero.key), 0);
}

TEST(KernelCpusLocked, UnderTheHotplugLockNothingWarns) {
  const unsigned long before = pokebench_warn_count();
  cpus_read_lock();
  static_branch_enable_cpuslocked(&misuse_unlocked);
  EXPECT_TRUE(static_key_enabled(&misuse_unlocked));
  static_branch_disable_cpuslocked(&misuse_unlocked);
  cpus_read_unlock();
  EXPECT_EQ(pokebench_warn_count(), before);
}

TEST(KernelRo, ARoKeyChangesDuringInitAndIsRefusedAfterMarkRodataRo) {
  static_branch_disable(&ro_true);
  EXPECT_FALSE(ro_true_branch());
  static_branch_enable(&ro_true);
  EXPECT_TRUE(ro_true_branch());
  const unsigned long before = pokebench_warn_count();
  mark_rodata_ro();
  static_branch_disable(&ro_true);
  EXPECT_TRUE(ro_true_branch()) << "a sealed key must not change";
  EXPECT_EQ(pokebench_warn_count() - before, 1U);
  static_branch_disable(&ro_true);
  EXPECT_EQ(pokebench_warn_count() - before, 2U) << "every refused change warns, as every faulting write would";
}

TEST(KernelDeferred, TheLastDecrementWaitsForTheTimeoutAndPatchesWithTheCallersPolicy) {
  patcher::Config policy;
  policy.apply = patcher::ApplyMode::per_site;
  std::atomic<int> steps{0};
  policy.observer = [&](const patcher::PatchEvent&) { steps.fetch_add(1); };
  {
    const patcher::ScopedPolicy scoped(policy);
    static_branch_deferred_inc(&deferred_false);
    EXPECT_TRUE(deferred_branch());
    const int after_inc = steps.load();
    EXPECT_GT(after_inc, 0);
    static_branch_slow_dec_deferred(&deferred_false);
    EXPECT_TRUE(deferred_branch()) << "still enabled inside the rate-limit window";
    steps.store(0);
  }
  // The worker thread does the decrement, under the policy captured above.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (deferred_branch() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(deferred_branch()) << "disabled after the 20 ms timeout";
  EXPECT_GT(steps.load(), 0) << "the deferred patch went through the queuing thread's policy";
}

TEST(KernelPolicy, CCodeChangesKeysThroughThePolicyInScope) {
  patcher::Config policy;
  policy.apply = patcher::ApplyMode::per_site;
  policy.int3 = patcher::Int3Policy::skip;
  int syncs = 0;
  policy.observer = [&](const patcher::PatchEvent& ev) {
    if (ev.step == patcher::Step::after_sync) ++syncs;
  };
  {
    const patcher::ScopedPolicy scoped(policy);
    c_toggle_enable();
  }
  EXPECT_TRUE(c_toggle_branch());
  EXPECT_EQ(syncs, 3) << "one site, per-site: three syncs";
  c_toggle_disable();
  EXPECT_FALSE(c_toggle_branch());
  EXPECT_EQ(syncs, 3) << "outside the scope the default policy applies";
}

TEST(KernelInit, AKeyChangedBeforeJumpLabelInitWarns) {
  static_key_initialized = false;  // as if jump_label_init() had not run yet
  const unsigned long before = pokebench_warn_count();
  static_branch_enable(&typed_false);
  static_key_initialized = true;
  EXPECT_EQ(pokebench_warn_count() - before, 1U) << "STATIC_KEY_CHECK_USE";
  static_branch_disable(&typed_false);
  EXPECT_EQ(pokebench_warn_count() - before, 1U);
}

TEST(KernelInit, JumpLabelIsInitialisedBeforeAnyModuleRuns) {
  EXPECT_TRUE(static_key_initialized);
  jump_label_init();  // idempotent
  jump_label_lock();
  jump_label_unlock();
}

}  // namespace
