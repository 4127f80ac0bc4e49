// The cost seam (Scenario::measure_cost): every listed strategy of the
// hotplug scenarios gives the same figures, each measured one positive and
// finite with min <= median <= max over the samples asked for, or not
// measured with a reason (wait-in-dead's cpu_down, which deadlocks). No
// figure is compared with a time: these are behaviour tests.
#include <pokebench/harness/scenario.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace pokebench::harness {
namespace {

constexpr unsigned kSamples = 3;

// The figures of every listed strategy of `scenario`, by strategy.
std::vector<std::vector<CostFigure>> figures_of(const char* scenario) {
  const Scenario* sc = find_scenario(scenario);
  EXPECT_NE(sc, nullptr) << scenario;
  std::vector<std::vector<CostFigure>> out;
  if (sc == nullptr) return out;
  CostOptions o;
  o.samples = kSamples;
  for (const StrategyInfo* s : sc->listed_strategies()) {
    ScenarioConfig c;
    c.scenario = scenario;
    c.strategy = s->name;
    out.push_back(sc->measure_cost(c, o));
  }
  return out;
}

void expect_well_formed(const char* scenario, const std::vector<std::string>& names) {
  const auto all = figures_of(scenario);
  const auto strategies = find_scenario(scenario)->listed_strategies();
  ASSERT_EQ(all.size(), strategies.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const char* s = strategies[i]->name;
    ASSERT_EQ(all[i].size(), names.size()) << s;
    for (std::size_t k = 0; k < names.size(); ++k) {
      const CostFigure& f = all[i][k];
      EXPECT_EQ(f.name, names[k]) << s;
      EXPECT_EQ(f.unit, "us") << s;
      if (!f.median) {
        EXPECT_FALSE(f.why.empty()) << s << " " << f.name << ": not measured without a reason";
        continue;
      }
      EXPECT_TRUE(f.why.empty()) << s << " " << f.name;
      EXPECT_EQ(f.samples, kSamples) << s << " " << f.name;
      ASSERT_TRUE(f.min && f.max) << s << " " << f.name;
      EXPECT_TRUE(std::isfinite(*f.median) && *f.median > 0) << s << " " << f.name << " " << *f.median;
      EXPECT_LE(*f.min, *f.median) << s << " " << f.name;
      EXPECT_LE(*f.median, *f.max) << s << " " << f.name;
      EXPECT_GT(*f.min, 0.0) << s << " " << f.name;
    }
  }
}

TEST(ScenarioCost, CpuNotifierGivesItsFiguresForEveryStrategy) {
  expect_well_formed("cpu-notifier", {"register latency", "cpu_up latency", "cpu_down latency"});
}

TEST(ScenarioCost, MemHotplugGivesItsFiguresForEveryStrategy) {
  expect_well_formed("mem-hotplug", {"online_pages latency", "cpu_up latency", "cpu_down latency"});
}

TEST(ScenarioCost, CpusetHotplugGivesItsFiguresForEveryStrategy) {
  expect_well_formed("cpuset-hotplug", {"cpu_up latency", "cpu_up until setaffinity succeeds", "cpu_down latency"});
}

TEST(ScenarioCost, WqPoolCpumaskGivesItsFiguresForEveryStrategy) {
  expect_well_formed("wq-pool-cpumask", {"wq_calc_node_cpumask, 1000 calls", "apply_workqueue_attrs latency"});
}

// Only wait-locked, whose every hotplug operation deadlocks, leaves the
// cpuset figures unmeasured.
TEST(ScenarioCost, OnlyWaitLockedLeavesTheCpusetFiguresUnmeasured) {
  const auto all = figures_of("cpuset-hotplug");
  const auto strategies = find_scenario("cpuset-hotplug")->listed_strategies();
  ASSERT_EQ(all.size(), strategies.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    for (const CostFigure& f : all[i])
      EXPECT_EQ(f.median.has_value(), std::string(strategies[i]->name) != "wait-locked")
          << strategies[i]->name << " " << f.name;
}

// Only the strategy whose cpu_down deadlocks leaves a figure unmeasured.
TEST(ScenarioCost, OnlyWaitInDeadLeavesCpuDownUnmeasured) {
  const auto all = figures_of("cpu-notifier");
  const auto strategies = find_scenario("cpu-notifier")->listed_strategies();
  ASSERT_EQ(all.size(), strategies.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const bool dead = std::string(strategies[i]->name) == "wait-in-dead";
    for (const CostFigure& f : all[i])
      EXPECT_EQ(f.median.has_value(), !(dead && f.name == "cpu_down latency")) << strategies[i]->name << " " << f.name;
  }
}

// slub's costs are the benchmarks: the seam's default gives none.
TEST(ScenarioCost, SlubHasNoScenarioFigures) {
  ScenarioConfig c;
  EXPECT_TRUE(find_scenario("slub")->measure_cost(c, CostOptions{}).empty());
}

}  // namespace
}  // namespace pokebench::harness
