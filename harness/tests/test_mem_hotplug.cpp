// The mem-hotplug scenario run through run_scenario (forked trials): the walk
// without a CPU-online hook misses a CPU in the first deterministic trial;
// with the hook, dropping cpu_hotplug_lock is safe; taking it inside
// mem_hotplug_lock is reported by the lock-order checker (and can deadlock);
// the negative control shows the oracle sees a stale value the walk did write.
#include <pokebench/harness/runner.hpp>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <string>

namespace pokebench::harness {
namespace {

ScenarioConfig memhp(const char* strategy, Direction d) { return testing::hotplug_race("mem-hotplug", strategy, d); }

TEST(MemHotplug, WithoutAHookTheWalkMissesACpuOnlinedMeanwhile) {
  const ScenarioResult r = testing::expect_race_fails("mem-hotplug", "unlocked-no-hook", Direction::enable);
  EXPECT_THAT(r.oracles.violation, testing::HasSubstr("cpu1 is online with numa_mem node 0"));
  EXPECT_THAT(r.oracles.violation, testing::HasSubstr("no CPU-online callback set it"));
  EXPECT_GE(r.first_violation_s, 0.0);
}

TEST(MemHotplug, ACpuGoingOfflineDuringTheWalkIsHarmlessEvenWithoutAHook) {
  testing::expect_race_ok("mem-hotplug", "unlocked-no-hook", Direction::disable, 3);
}

TEST(MemHotplug, WithTheHookDroppingTheLockIsSafe) {
  for (const char* s : {"unlocked-hook", "cpus-lock-first"})
    for (const Direction d : {Direction::enable, Direction::disable}) testing::expect_race_ok("mem-hotplug", s, d, 3);
}

TEST(MemHotplug, TakingTheCpuLockInsideTheMemLockIsReportedByTheChecker) {
  const ScenarioResult r = run_scenario(memhp("locked", Direction::enable));
  EXPECT_EQ(r.verdict(), Verdict::fail) << verdict_line(r);
  EXPECT_EQ(r.oracles.violations, 0u) << r.oracles.violation;  // the oracle holds
  EXPECT_GE(r.oracles.lock_inversions, 1u);
  const std::string inv = r.oracles.inversion;
  // The hotplug side's chain, then the memory side's new dependency.
  testing::expect_inversion_report(
      inv, {"cpu_hotplug_lock -> cpuhp/1", "cpuhp/1 -> mem_hotplug_lock", "mem_hotplug_lock -> cpu_hotplug_lock"});
}

// Negative control: a hook that reads the node state unlocked writes back a
// value from before online_pages; the oracle must see it on a CPU the walk updated.
TEST(MemHotplug, NegativeControlTheOracleSeesALostUpdate) {
  const ScenarioResult r = run_scenario(memhp("hook-unlocked-read", Direction::enable));
  EXPECT_EQ(r.verdict(), Verdict::fail) << verdict_line(r);
  EXPECT_EQ(r.oracles.violations, 1u);
  EXPECT_THAT(r.oracles.violation, testing::HasSubstr("cpu1 is online with numa_mem node 0"));
  EXPECT_THAT(r.oracles.violation, testing::HasSubstr("lost update"));
}

// The deterministic verdicts do not depend on timing: the hotplug side
// stalls 10 ms between wanting each lock and taking it (a free one too).
TEST(MemHotplug, DeterministicVerdictsHoldWhenTheHotplugSideStalls) {
  const testing::ScopedEnv stall("POKEBENCH_TEST_LOCK_STALL", "hotplug control");
  const ScenarioResult miss = run_scenario(memhp("unlocked-no-hook", Direction::enable));
  EXPECT_EQ(miss.verdict(), Verdict::fail) << verdict_line(miss);
  EXPECT_THAT(miss.oracles.violation, testing::HasSubstr("no CPU-online callback set it"));
  for (const char* s : {"unlocked-no-hook", "unlocked-hook", "cpus-lock-first"})
    for (const Direction d : {Direction::enable, Direction::disable}) {
      if (std::string(s) == "unlocked-no-hook" && d == Direction::enable) continue;
      const ScenarioResult r = run_scenario(memhp(s, d));
      EXPECT_EQ(r.verdict(), Verdict::ok) << s << " " << verdict_line(r) << " " << r.oracles.violation;
    }
  const ScenarioResult inv = run_scenario(memhp("locked", Direction::enable));
  EXPECT_EQ(inv.verdict(), Verdict::fail) << verdict_line(inv);
  EXPECT_GE(inv.oracles.lock_inversions, 1u);
}

TEST(MemHotplug, StressCountsMissesOfTheBugAndNoneOfTheFix) {
  testing::expect_stress_fails_bug_not_fix("mem-hotplug", "unlocked-no-hook", "unlocked-hook", 300);
}

}  // namespace
}  // namespace pokebench::harness
