// The cpuset-hotplug scenario run through run_scenario (forked trials): with
// no wait, sched_setaffinity() to the CPU cpu_up just brought up fails in the
// first deterministic trial and the window is timed; waiting for the work
// after dropping cpu_hotplug_lock holds, also during resume with tasks
// frozen; waiting with the lock held is reported by the lock-order checker
// and deadlocks (HANG, who holds and waits for what); waiting while tasks
// are frozen never ends (HANG).
#include <pokebench/harness/runner.hpp>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <string>

namespace pokebench::harness {
namespace {

ScenarioConfig cpuset(const char* strategy, Direction d) {
  return testing::hotplug_race("cpuset-hotplug", strategy, d);
}

TEST(CpusetHotplug, WithoutTheWaitSetaffinityToTheNewCpuFailsUntilTheWorkRuns) {
  const ScenarioResult r = testing::expect_race_fails("cpuset-hotplug", "no-wait", Direction::enable);
  EXPECT_THAT(r.oracles.violation, testing::HasSubstr("sched_setaffinity(cpu1) right after cpu_up returned: -EINVAL"));
  EXPECT_EQ(r.oracles.windows, 1u) << "the window closed once the work ran";
  EXPECT_GT(r.oracles.window_ns_max, 0u);
  EXPECT_THAT(verdict_line(r), testing::HasSubstr(" windows=1 window-mean-us="));
}

TEST(CpusetHotplug, WithoutTheWaitTheCpusetsStillListACpuThatWentDown) {
  const ScenarioResult r = run_scenario(cpuset("no-wait", Direction::disable));
  EXPECT_EQ(r.verdict(), Verdict::fail) << verdict_line(r);
  EXPECT_THAT(r.oracles.violation, testing::HasSubstr("the cpusets still list cpu1 after cpu_down returned"));
}

TEST(CpusetHotplug, WaitingAfterDroppingTheHotplugLockHolds) {
  for (const char* s : {"wait-unlocked", "wait-unlocked-resume"})
    for (const Direction d : {Direction::enable, Direction::disable}) {
      ScenarioConfig c = cpuset(s, d);
      c.trials = 3;
      const ScenarioResult r = run_scenario(c);
      EXPECT_EQ(r.verdict(), Verdict::ok) << s << " " << verdict_line(r) << " " << r.oracles.violation;
      EXPECT_EQ(r.oracles.violations, 0u) << s;
      EXPECT_EQ(r.oracles.windows, 0u) << s;
      EXPECT_EQ(r.oracles.lock_inversions, 0u) << s << "\n" << r.oracles.inversion;
      EXPECT_EQ(r.trials, 3u) << s;
      EXPECT_EQ(r.oracles.transitions, 3u) << s;
    }
}

TEST(CpusetHotplug, WaitingWithTheHotplugLockHeldIsAnInversionAndDeadlocks) {
  for (const Direction d : {Direction::enable, Direction::disable}) {
    const ScenarioResult r = run_scenario(cpuset("wait-locked", d));
    EXPECT_EQ(r.verdict(), Verdict::hang) << verdict_line(r);
    ASSERT_EQ(r.hangs.size(), 1u);
    const std::string& rep = r.hangs.front().report;
    EXPECT_THAT(rep, testing::HasSubstr("deadlock"));
    EXPECT_THAT(rep, testing::HasSubstr(
                         "kworker/u0:0 holds [cpuset_hotplug_work, cgroup_mutex] and waits for cpu_hotplug_lock"));
    EXPECT_THAT(rep, testing::HasSubstr("hotplug control holds [cpu_add_remove_lock, cpu_hotplug_lock] and waits for "
                                        "cpuset_hotplug_work"));
    // Reported before anything blocked: the work's order, learned at boot, and the flush's.
    testing::expect_inversion_report(
        rep, {"cpuset_hotplug_work -> cpu_hotplug_lock", "holding [cpuset_hotplug_work, cgroup_mutex]",
              "cpu_hotplug_lock -> cpuset_hotplug_work"});
  }
}

TEST(CpusetHotplug, WaitingWhileTasksAreFrozenNeverEnds) {
  const ScenarioResult r = run_scenario(cpuset("wait-frozen", Direction::enable));
  EXPECT_EQ(r.verdict(), Verdict::hang) << verdict_line(r);
  ASSERT_EQ(r.hangs.size(), 1u);
  EXPECT_THAT(r.hangs.front().report, testing::HasSubstr("in cpuset_wait_for_hotplug() with tasks frozen for suspend"));
  EXPECT_THAT(r.hangs.front().report,
              testing::HasSubstr("hotplug control holds [cpu_add_remove_lock], waits for cpuset_hotplug_work"));
}

// Negative control: a flush that waits for nothing (the work is not queued
// yet) looks like the fix; the oracle must still see the failure.
TEST(CpusetHotplug, NegativeControlAWaitBeforeTheWorkIsQueuedIsCaught) {
  const ScenarioResult r = run_scenario(cpuset("wait-before-queued", Direction::enable));
  EXPECT_EQ(r.verdict(), Verdict::fail) << verdict_line(r);
  EXPECT_EQ(r.oracles.violations, 1u);
  EXPECT_THAT(r.oracles.violation, testing::HasSubstr("-EINVAL"));
}

// The deterministic verdicts do not depend on timing: the hotplug side
// stalls 10 ms between wanting each lock and taking it.
TEST(CpusetHotplug, DeterministicVerdictsHoldWhenTheHotplugSideStalls) {
  const testing::ScopedEnv stall("POKEBENCH_TEST_LOCK_STALL", "hotplug control");
  const ScenarioResult bug = run_scenario(cpuset("no-wait", Direction::enable));
  EXPECT_EQ(bug.verdict(), Verdict::fail) << verdict_line(bug);
  for (const Direction d : {Direction::enable, Direction::disable}) {
    const ScenarioResult r = run_scenario(cpuset("wait-unlocked", d));
    EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << " " << r.oracles.violation;
  }
  const ScenarioResult dead = run_scenario(cpuset("wait-locked", Direction::enable));
  EXPECT_EQ(dead.verdict(), Verdict::hang) << verdict_line(dead);
}

TEST(CpusetHotplug, StressCountsFailuresOfTheBugAndNoneOfTheFix) {
  testing::expect_stress_fails_bug_not_fix("cpuset-hotplug", "no-wait", "wait-unlocked", 300);
}

}  // namespace
}  // namespace pokebench::harness
