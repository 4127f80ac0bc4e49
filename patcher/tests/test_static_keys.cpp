// The kernel's lib/test_static_keys.c semantics, on code compiled against the
// kernel-compatible header: true and false keys, likely and unlikely branches,
// every key inverted, reference counting, the -1 state while patching.
#include <pokebench/linux/jump_label.h>
#include <pokebench/patcher/patcher.hpp>
#include "print_params.hpp"

#include <gtest/gtest.h>

namespace {

DEFINE_STATIC_KEY_TRUE(old_true_key);
DEFINE_STATIC_KEY_FALSE(old_false_key);
DEFINE_STATIC_KEY_TRUE(true_key);
DEFINE_STATIC_KEY_FALSE(false_key);

// Each branch is its own function so each is a site executed for real.
[[gnu::noinline]] bool likely_true() { return static_branch_likely(&true_key); }
[[gnu::noinline]] bool unlikely_true() { return static_branch_unlikely(&true_key); }
[[gnu::noinline]] bool likely_false() { return static_branch_likely(&false_key); }
[[gnu::noinline]] bool unlikely_false() { return static_branch_unlikely(&false_key); }
[[gnu::noinline]] bool likely_old_true() { return static_branch_likely(&old_true_key); }
[[gnu::noinline]] bool unlikely_old_false() { return static_branch_unlikely(&old_false_key); }

struct KeyCase {
  bool (*branch)();
  bool (*enabled)();
  void (*invert)();
  const char* name;
};

template <class K>
void invert_key(K* key) {
  if (static_key_enabled(key))
    static_branch_disable(key);
  else
    static_branch_enable(key);
}

const KeyCase kCases[] = {
    {likely_true, [] { return static_key_enabled(&true_key); }, [] { invert_key(&true_key); }, "likely(true_key)"},
    {unlikely_true, [] { return static_key_enabled(&true_key); }, [] { invert_key(&true_key); }, "unlikely(true_key)"},
    {likely_false, [] { return static_key_enabled(&false_key); }, [] { invert_key(&false_key); }, "likely(false_key)"},
    {unlikely_false, [] { return static_key_enabled(&false_key); }, [] { invert_key(&false_key); },
     "unlikely(false_key)"},
    {likely_old_true, [] { return static_key_enabled(&old_true_key); }, [] { invert_key(&old_true_key); },
     "likely(old_true_key)"},
    {unlikely_old_false, [] { return static_key_enabled(&old_false_key); }, [] { invert_key(&old_false_key); },
     "unlikely(old_false_key)"},
};

void verify_keys(const char* when) {
  for (const KeyCase& c : kCases) EXPECT_EQ(c.branch(), c.enabled()) << c.name << " " << when;
}

class StaticKeys
    : public ::testing::TestWithParam<std::tuple<pokebench::patcher::Backend, pokebench::patcher::ApplyMode>> {
 protected:
  static pokebench::patcher::Config policy_of(const ParamType& p) {
    pokebench::patcher::Config cfg;
    cfg.backend = std::get<0>(p);
    cfg.apply = std::get<1>(p);
    return cfg;
  }
  // The kernel-spelled calls below patch with the policy in scope.
  const pokebench::patcher::Config policy_ = policy_of(GetParam());
  const pokebench::patcher::ScopedPolicy scope_{policy_};
};

TEST_P(StaticKeys, BranchesFollowTheirKeysBeforeAndAfterInvertingEveryKey) {
  EXPECT_TRUE(static_key_enabled(&true_key));
  EXPECT_FALSE(static_key_enabled(&false_key));
  verify_keys("initially");
  // Invert each key twice (the kernel's test inverts and restores).
  for (int round = 0; round < 2; ++round) {
    for (const KeyCase& c : kCases) {
      if (c.branch == unlikely_true || c.branch == unlikely_false) continue;  // key shared with likely_*
      c.invert();
    }
    verify_keys(round == 0 ? "after inverting" : "after restoring");
  }
  EXPECT_TRUE(static_key_enabled(&true_key));
  EXPECT_FALSE(static_key_enabled(&false_key));
}

INSTANTIATE_TEST_SUITE_P(Protocols, StaticKeys,
                         ::testing::Combine(::testing::Values(pokebench::patcher::Backend::mprotect,
                                                              pokebench::patcher::Backend::procmem),
                                            ::testing::Values(pokebench::patcher::ApplyMode::per_site,
                                                              pokebench::patcher::ApplyMode::batched)),
                         [](const auto& param_info) {
                           std::string n = std::string(pokebench::patcher::to_string(std::get<0>(param_info.param))) +
                                           "_" + pokebench::patcher::to_string(std::get<1>(param_info.param));
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

DEFINE_STATIC_KEY_FALSE(counted_key);
[[gnu::noinline]] bool counted_branch() { return static_branch_unlikely(&counted_key); }

TEST(StaticKeyCount, IncAndDecPatchOnlyOnZeroOneTransitions) {
  const auto updates0 = pokebench::patcher::stats().updates;
  EXPECT_EQ(static_key_count(&counted_key.key), 0);
  static_branch_inc(&counted_key);
  static_branch_inc(&counted_key);
  static_branch_inc(&counted_key);
  EXPECT_EQ(static_key_count(&counted_key.key), 3);
  EXPECT_TRUE(counted_branch());
  EXPECT_EQ(pokebench::patcher::stats().updates - updates0, 1U) << "only 0 -> 1 patches";
  static_branch_dec(&counted_key);
  static_branch_dec(&counted_key);
  EXPECT_TRUE(counted_branch());
  EXPECT_EQ(static_key_count(&counted_key.key), 1);
  static_branch_dec(&counted_key);
  EXPECT_FALSE(counted_branch());
  EXPECT_EQ(static_key_count(&counted_key.key), 0);
  EXPECT_EQ(pokebench::patcher::stats().updates - updates0, 2U) << "1 -> 0 patches once more";
}

TEST(StaticKeyCount, FirstEnableHoldsMinusOneWhilePatching) {
  std::vector<int> raw_counts, reported_counts;
  pokebench::patcher::Config cfg;
  cfg.observer = [&](const pokebench::patcher::PatchEvent& ev) {
    if (ev.step != pokebench::patcher::Step::before_write) return;
    raw_counts.push_back(atomic_read(&counted_key.key.enabled));
    reported_counts.push_back(static_key_count(&counted_key.key));
  };
  {
    const pokebench::patcher::ScopedPolicy policy(cfg);
    static_branch_inc(&counted_key);
  }
  ASSERT_FALSE(raw_counts.empty());
  for (int v : raw_counts) EXPECT_EQ(v, -1);
  for (int v : reported_counts) EXPECT_EQ(v, 1) << "static_key_count() reports -1 as 1";
  EXPECT_EQ(atomic_read(&counted_key.key.enabled), 1);
  EXPECT_TRUE(counted_branch());
  static_branch_dec(&counted_key);
  EXPECT_FALSE(counted_branch());
}

TEST(StaticKeyCount, EnableAndDisableForceTheState) {
  static_branch_enable(&counted_key);
  static_branch_enable(&counted_key);
  EXPECT_EQ(static_key_count(&counted_key.key), 1);
  EXPECT_TRUE(counted_branch());
  static_branch_disable(&counted_key);
  static_branch_disable(&counted_key);
  EXPECT_EQ(static_key_count(&counted_key.key), 0);
  EXPECT_FALSE(counted_branch());
}

}  // namespace
