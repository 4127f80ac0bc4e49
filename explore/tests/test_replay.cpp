// A counterexample replayed on real threads with the real patched code: the
// explorer's shortest hang trace becomes a forced schedule for the
// deterministic mode (check.cpp: replay_cell, harness/src/trial.cpp's
// hold_from_write), and the real verdict must be the model's.
#include <pokebench/explore/check.hpp>
#include <pokebench/harness/torture.hpp>

#include <gtest/gtest.h>

namespace pokebench::explore {
namespace {

namespace hh = pokebench::harness;

hh::ScenarioConfig cell(const char* strategy, hh::Direction d) {
  hh::ScenarioConfig c;  // retry-first, skip: the known bug's order and policy
  c.strategy = strategy;
  c.direction = d;
  c.timeout_ms = hh::kTortureTimeoutMs;
  return c;
}

TEST(ExploreReplay, PerSitesShortestHangHangsOnRealThreads) {
  const Replay r = replay_cell(cell("per-site", hh::Direction::enable));
  ASSERT_EQ(r.model_result.verdict, Verdict::hang);
  ASSERT_TRUE(r.replayed);
  // Retry-first: the hang needs a retry site's JMP in place before the
  // reader's last IRQ-off section starts, so the schedule begins late.
  EXPECT_GT(r.real_config.hold_from_write, 1u) << r.both();
  EXPECT_EQ(r.real.verdict(), hh::Verdict::hang) << r.both();
  EXPECT_TRUE(r.agree) << r.both();
}

TEST(ExploreReplay, ADisableHangReplaysToo) {
  hh::ScenarioConfig c = cell("per-site", hh::Direction::disable);
  c.order = hh::tag_first("begin");
  const Replay r = replay_cell(c);
  ASSERT_EQ(r.model_result.verdict, Verdict::hang);
  EXPECT_EQ(r.real.verdict(), hh::Verdict::hang) << r.both();
  EXPECT_TRUE(r.agree) << r.both();
}

// The schedule decides: the same cell with the readers held from after the
// trace's last write on (they sat out every write) completes.
TEST(ExploreReplay, TheSameCellHeldFromNoWriteCompletes) {
  const Replay r = replay_cell(cell("per-site", hh::Direction::enable));
  ASSERT_FALSE(r.model_result.counterexamples.empty());
  hh::ScenarioConfig late = r.real_config;
  late.hold_from_write = 1000;  // more writes than the transition makes
  const hh::ScenarioResult rr = hh::run_scenario(late);
  EXPECT_EQ(rr.verdict(), hh::Verdict::ok) << hh::verdict_line(rr);
}

TEST(ExploreReplay, AProvedFixRunsTheDefaultScheduleAndCompletes) {
  const Replay r = replay_cell(cell("cookie", hh::Direction::enable));
  EXPECT_EQ(r.model_result.verdict, Verdict::ok);
  EXPECT_FALSE(r.replayed);
  EXPECT_EQ(r.real_config.hold_from_write, 1u);
  EXPECT_EQ(r.real.verdict(), hh::Verdict::ok) << r.both();
  EXPECT_TRUE(r.agree);
}

}  // namespace
}  // namespace pokebench::explore
