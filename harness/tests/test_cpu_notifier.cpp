// The cpu-notifier scenario run through run_scenario (forked trials): each
// bug shows in the first deterministic trial, each fix never fails, and the
// CPU_POST_DEAD rule deadlocks (reported by both checkers) or completes.
#include <pokebench/harness/runner.hpp>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace pokebench::harness {
namespace {

ScenarioConfig notifier(const char* strategy, Direction d) {
  return testing::hotplug_race("cpu-notifier", strategy, d);
}

struct BugCase {
  const char* strategy;
  Direction direction;
  const char* says;
};

void expect_each_bug_fails_the_first_deterministic_trial() {
  const BugCase cases[] = {
      {"unlocked", Direction::enable, "cpu1 is online and initialised 0 time(s): missed"},
      {"unlocked", Direction::disable, "cpu1 is offline and initialised 1 time(s): left initialised"},
      {"register-first", Direction::enable, "cpu1 is online and initialised 2 time(s): initialised twice"},
      {"register-first", Direction::disable, "cpu1 is offline and initialised -1 time(s): freed by CPU_DEAD"},
  };
  for (const BugCase& bc : cases) {
    const ScenarioResult r = run_scenario(notifier(bc.strategy, bc.direction));
    EXPECT_EQ(r.verdict(), Verdict::fail) << bc.strategy << " " << verdict_line(r);
    EXPECT_EQ(r.trials, 1u);
    EXPECT_GE(r.oracles.violations, 1u) << verdict_line(r);
    EXPECT_THAT(r.oracles.violation, testing::HasSubstr(bc.says));
    EXPECT_GE(r.first_violation_s, 0.0);
  }
}

TEST(CpuNotifier, EachBugFailsTheFirstDeterministicTrial) { expect_each_bug_fails_the_first_deterministic_trial(); }

// The forced interleaving does not depend on timing: the hotplug side stalls
// 10 ms between wanting each lock and taking it (a free one too), where a
// registrar that took "wants the lock" for "blocked" went on and registered
// first (the unlocked enable then initialised cpu1 and passed).
TEST(CpuNotifier, EachBugFailsTheFirstDeterministicTrialWhenTheHotplugSideStalls) {
  const testing::ScopedEnv stall("POKEBENCH_TEST_LOCK_STALL", "hotplug control");
  expect_each_bug_fails_the_first_deterministic_trial();
  for (const Direction d : {Direction::enable, Direction::disable}) {
    const ScenarioResult r = run_scenario(notifier("maps-locked", d));
    EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << " " << r.oracles.violation;
  }
}

TEST(CpuNotifier, TheMapsLockedRegistrationNeverFails) {
  for (const Direction d : {Direction::enable, Direction::disable}) {
    ScenarioConfig c = notifier("maps-locked", d);
    c.trials = 3;
    const ScenarioResult r = run_scenario(c);
    EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << " " << r.oracles.violation;
    EXPECT_EQ(r.oracles.violations, 0u);
    EXPECT_EQ(r.oracles.lock_inversions, 0u);
    EXPECT_EQ(r.trials, 3u);
  }
}

TEST(CpuNotifier, WaitingInCpuDeadDeadlocksAndBothCheckersSayWhy) {
  const ScenarioResult r = run_scenario(notifier("wait-in-dead", Direction::disable));
  ASSERT_EQ(r.verdict(), Verdict::hang) << verdict_line(r);
  ASSERT_FALSE(r.hangs.empty());
  const std::string& rep = r.hangs.front().report;
  EXPECT_THAT(rep, testing::HasSubstr("hotplug control holds [cpu_add_remove_lock, cpu_hotplug_lock] and waits for "
                                      "(work_completion)(&helper_work)"));
  EXPECT_THAT(rep, testing::HasSubstr("holds [(work_completion)(&helper_work)] and waits for cpu_hotplug_lock"));
  EXPECT_THAT(rep, testing::HasSubstr("possible circular locking dependency"));
  EXPECT_GE(r.oracles.lock_inversions, 1u);
}

TEST(CpuNotifier, WaitingInCpuPostDeadCompletes) {
  ScenarioConfig c = notifier("wait-in-post-dead", Direction::disable);
  c.trials = 2;
  const ScenarioResult r = run_scenario(c);
  EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << (r.hangs.empty() ? "" : "\n" + r.hangs[0].report);
  EXPECT_EQ(r.oracles.lock_inversions, 0u);
}

TEST(CpuNotifier, StressCountsFailuresOfTheBugAndNoneOfTheFix) {
  testing::expect_stress_fails_bug_not_fix("cpu-notifier", "unlocked", "maps-locked", 300);
}

}  // namespace
}  // namespace pokebench::harness
