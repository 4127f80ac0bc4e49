// E-Divisive means, Holm's correction and the run-to-run spread.
#include <pokebench/results/change_points.hpp>
#include <pokebench/results/run_model.hpp>

#include <gtest/gtest.h>

#include <random>

namespace pokebench::results {
namespace {

std::vector<double> noisy(std::size_t n, double level, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 0.01 * level);
  std::vector<double> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(level + noise(rng));
  return v;
}

TEST(ChangePoints, FindsOneStepWhereItIs) {
  std::vector<double> s = noisy(15, 100, 1);
  const std::vector<double> after = noisy(15, 110, 2);
  s.insert(s.end(), after.begin(), after.end());
  const std::vector<ChangePoint> cps = detect_change_points(s, {});
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].index, 15u);
  EXPECT_NEAR(cps[0].change_pct, 10, 2);
  EXPECT_LT(cps[0].p_value, 0.01);
}

TEST(ChangePoints, FindsTwoSteps) {
  std::vector<double> s = noisy(12, 100, 3);
  for (double v : noisy(12, 120, 4)) s.push_back(v);
  for (double v : noisy(12, 100, 5)) s.push_back(v);
  const std::vector<ChangePoint> cps = detect_change_points(s, {});
  ASSERT_EQ(cps.size(), 2u);
  EXPECT_EQ(cps[0].index, 12u);
  EXPECT_EQ(cps[1].index, 24u);
}

// Negative controls: noise alone, a step below the minimum effect, too few points.
TEST(ChangePoints, NoneInNoiseOrBelowTheMinimumOrInShortSeries) {
  EXPECT_TRUE(detect_change_points(noisy(30, 100, 6), {}).empty());
  std::vector<double> small = noisy(15, 100, 7);
  for (double v : noisy(15, 102, 8)) small.push_back(v);
  EXPECT_TRUE(detect_change_points(small, {}).empty()) << "a 2% step is below min_change_pct 5";
  EXPECT_TRUE(detect_change_points({1, 1, 2, 2}, {}).empty());
}

TEST(ChangePoints, SameSeriesSameAnswer) {
  std::vector<double> s = noisy(10, 50, 9);
  for (double v : noisy(10, 60, 10)) s.push_back(v);
  const auto a = detect_change_points(s, {}), b = detect_change_points(s, {});
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].p_value, b[i].p_value);
}

TEST(RunModel, HolmMatchesTheTextbookStepDown) {
  // Holm (1979): sorted p 0.01, 0.02, 0.03, 0.04 of m = 4 -> 0.04, 0.06, 0.06, 0.06.
  const std::vector<double> adj = holm_adjust({0.03, 0.01, 0.04, 0.02});
  EXPECT_DOUBLE_EQ(adj[1], 0.04);
  EXPECT_DOUBLE_EQ(adj[3], 0.06);
  EXPECT_DOUBLE_EQ(adj[0], 0.06);
  EXPECT_DOUBLE_EQ(adj[2], 0.06);
  EXPECT_TRUE(holm_adjust({}).empty());
}

TEST(RunModel, SpreadIsTheScaledMadOfRunMedians) {
  const RunSpread s = run_spread({10, 11, 9, 10, 30});  // one outlying run does not widen it
  EXPECT_DOUBLE_EQ(s.location, 10);
  EXPECT_DOUBLE_EQ(s.spread, 1.4826 * 1);
  EXPECT_EQ(s.runs, 5u);
  EXPECT_NEAR(normal_two_sided_p(1.959964), 0.05, 1e-6);
}

}  // namespace
}  // namespace pokebench::results
