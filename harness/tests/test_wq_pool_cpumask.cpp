// The wq-pool-cpumask scenario run through run_scenario (forked trials): the
// unsynchronised read of the cpu-to-node map binds a worker to an empty mask
// in the first deterministic trial; the patch's last-valid mask and the
// seqcount never do; the negative control binds one to an offline CPU's mask.
#include <pokebench/harness/runner.hpp>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <string>

namespace pokebench::harness {
namespace {

ScenarioConfig wq(const char* strategy, Direction d) { return testing::hotplug_race("wq-pool-cpumask", strategy, d); }

TEST(WqPoolCpumask, TheUnsynchronisedReadBindsAWorkerToAnEmptyMask) {
  const ScenarioResult r = testing::expect_race_fails("wq-pool-cpumask", "unsynchronised", Direction::enable);
  const std::string v = r.oracles.violation;
  EXPECT_THAT(v, testing::HasSubstr("(cpu_up cpu1, to node 1): kworker/u"));
  EXPECT_THAT(v, testing::HasSubstr("bound to node 1's new pool, cpumask {} (empty, online {0-3})"));
  EXPECT_THAT(v, testing::HasSubstr("its check saw {1}, cpu_to_node gave {}"));
  EXPECT_THAT(v, testing::HasSubstr("wq_probe_work on node 1 ran on cpu0, outside it"));
  EXPECT_GE(r.oracles.unchecked_inflight, 1u) << verdict_line(r);
  EXPECT_GE(r.first_violation_s, 0.0);
}

TEST(WqPoolCpumask, ACpuLeavingItsNodeAfterItWentOfflineIsHarmlessEvenUnsynchronised) {
  testing::expect_race_ok("wq-pool-cpumask", "unsynchronised", Direction::disable, 3);
}

TEST(WqPoolCpumask, TheLastValidMaskAndTheSeqcountNeverBindAnInvalidMask) {
  for (const char* s : {"last-valid", "seqcount"})
    for (const Direction d : {Direction::enable, Direction::disable})
      testing::expect_race_ok("wq-pool-cpumask", s, d, 3);
}

TEST(WqPoolCpumask, TheSeqcountReaderWaitsForTheMoveItFoundInFlight) {
  const ScenarioResult r = run_scenario(wq("seqcount", Direction::enable));
  EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r);
  EXPECT_GE(r.oracles.checked_exits, 1u) << verdict_line(r);
  EXPECT_EQ(r.oracles.max_retries, 1u) << verdict_line(r);  // one look found the parked move
  EXPECT_EQ(r.oracles.unchecked_exits, 0u) << verdict_line(r);
}

// Negative control: the check without the online mask binds a worker to
// cpu1's mask after cpu1 went offline; the oracle must see it.
TEST(WqPoolCpumask, NegativeControlTheOracleSeesAnOfflineOnlyMask) {
  const ScenarioResult r = run_scenario(wq("no-online-check", Direction::disable));
  EXPECT_EQ(r.verdict(), Verdict::fail) << verdict_line(r);
  EXPECT_EQ(r.oracles.violations, 1u);
  const std::string v = r.oracles.violation;
  EXPECT_THAT(v, testing::HasSubstr("(cpu_down cpu1, to node 0)"));
  EXPECT_THAT(v, testing::HasSubstr(
                     "cpumask {1} (only offline CPUs, online {0,2-3}); its check saw {1}, cpu_to_node gave {1}"));
}

// The deterministic verdicts do not depend on timing: the hotplug side
// stalls 10 ms between wanting each lock and taking it.
TEST(WqPoolCpumask, DeterministicVerdictsHoldWhenTheHotplugSideStalls) {
  const testing::ScopedEnv stall("POKEBENCH_TEST_LOCK_STALL", "hotplug control");
  const ScenarioResult bug = run_scenario(wq("unsynchronised", Direction::enable));
  EXPECT_EQ(bug.verdict(), Verdict::fail) << verdict_line(bug);
  for (const char* s : {"last-valid", "seqcount"}) {
    const ScenarioResult r = run_scenario(wq(s, Direction::enable));
    EXPECT_EQ(r.verdict(), Verdict::ok) << s << " " << verdict_line(r) << " " << r.oracles.violation;
  }
}

TEST(WqPoolCpumask, StressCountsEmptyMasksOfTheBugAndNoneOfTheFixes) {
  testing::expect_stress_fails_bug_not_fix("wq-pool-cpumask", "unsynchronised", "last-valid", 300);
  ScenarioConfig c = wq("seqcount", Direction::enable);
  c.mode = Mode::stress;
  c.trials = 300;
  const ScenarioResult r = run_scenario(c);
  EXPECT_EQ(r.oracles.transitions, 300u) << verdict_line(r);
  EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << " " << r.oracles.violation;
}

}  // namespace
}  // namespace pokebench::harness
