// Stress tier: the 2017 bug 20 times out of 20, every fix in the full
// deterministic matrix, and >= 10,000 stress transitions per fix.
#include <pokebench/harness/runner.hpp>
#include <pokebench/harness/scenario.hpp>

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace pokebench::harness {
namespace {

namespace pp = pokebench::patcher;

TEST(Stress, Bug2017Hangs20OutOf20) {
  ScenarioConfig c = testing::bug_2017();
  c.trials = 20;
  const ScenarioResult r = run_scenario(c);
  EXPECT_EQ(r.trials, 20u);
  EXPECT_EQ(r.hung_trials, 20u) << verdict_line(r);
  EXPECT_LT(r.seconds / 20, 3.0) << "each trial should hang within a few seconds";
  EXPECT_TRUE(testing::pokebench_shm_segments().empty());
  EXPECT_TRUE(testing::child_processes().empty());
}

class FixMatrix : public ::testing::TestWithParam<std::string> {};

// Every direction x order x int3 policy cell of `strategy`, as a config.
std::vector<ScenarioConfig> cells_of(const std::string& strategy) {
  std::vector<ScenarioConfig> cells;
  for (Direction d : {Direction::enable, Direction::disable})
    for (const PatchOrder& o : find_scenario("slub")->orders())
      for (pp::Int3Policy p : {pp::Int3Policy::skip, pp::Int3Policy::emulate_new}) {
        ScenarioConfig c;
        c.strategy = strategy;
        c.direction = d;
        c.order = o;
        c.int3 = p;
        cells.push_back(c);
      }
  return cells;
}

TEST_P(FixMatrix, DeterministicEveryDirectionOrderAndInt3Policy) {
  for (ScenarioConfig c : cells_of(GetParam())) {
    c.mode = Mode::deterministic;
    c.timeout_ms = 500;
    const ScenarioResult r = run_scenario(c);
    EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << (r.hangs.empty() ? "" : "\n" + r.hangs[0].report);
    EXPECT_EQ(r.oracles.transitions, 1u) << verdict_line(r);
    // Readers are held in their loops across every write, so they must
    // have executed a site while its int3 was in place.
    EXPECT_GT(r.oracles.int3_hits, 0u) << verdict_line(r);
  }
  EXPECT_TRUE(testing::child_processes().empty());
}

TEST_P(FixMatrix, AtLeast10000StressTransitions) {
  std::uint64_t total = 0;
  for (ScenarioConfig c : cells_of(GetParam())) {
    c.mode = Mode::stress;
    c.trials = 420;  // x 24 cells = 10,080 transitions under test
    c.params["writer-period-us"] = 200;
    c.timeout_ms = 500;
    const ScenarioResult r = run_scenario(c);
    EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << (r.hangs.empty() ? "" : "\n" + r.hangs[0].report);
    EXPECT_EQ(r.oracles.torn_reads, 0u);
    total += r.oracles.transitions;
  }
  EXPECT_GE(total, 10'000u);
  EXPECT_TRUE(testing::pokebench_shm_segments().empty());
}

INSTANTIATE_TEST_SUITE_P(Fixes, FixMatrix, ::testing::Values("ordered", "cached", "cookie"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace pokebench::harness
