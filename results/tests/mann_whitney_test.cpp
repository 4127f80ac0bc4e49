// The U test against values computed independently: scipy's documented example
// and hand-checked exact counts (C(n1+n2, n1) arrangements).
#include <pokebench/results/mann_whitney.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace pokebench::results {
namespace {

// scipy.stats.mannwhitneyu docs: males vs females, U = 17.
const std::vector<double> kMales{19, 22, 16, 29, 24};
const std::vector<double> kFemales{20, 11, 17, 12};

TEST(MannWhitney, ScipyDocumentedExampleExact) {
  const UTestResult r = mann_whitney_u(kMales, kFemales, UTestMethod::exact);
  EXPECT_DOUBLE_EQ(r.u, 17.0);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p_value, 0.1111111111111111, 1e-12);  // scipy: pvalue=0.1111111111111111
}

TEST(MannWhitney, ScipyDocumentedExampleAsymptotic) {
  const UTestResult r = mann_whitney_u(kMales, kFemales, UTestMethod::asymptotic);
  EXPECT_DOUBLE_EQ(r.u, 17.0);
  EXPECT_FALSE(r.exact);
  EXPECT_NEAR(r.p_value, 0.11134688653314041, 1e-12);  // scipy: pvalue=0.11134688653314041
}

TEST(MannWhitney, CompletelySeparatedSamplesExact) {
  // One of C(18, 9) = 48620 arrangements is this extreme on each side: p = 2 / 48620.
  std::vector<double> low, high;
  for (int i = 0; i < 9; ++i) {
    low.push_back(i);
    high.push_back(100 + i);
  }
  const UTestResult r = mann_whitney_u(low, high);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 0.0);
  EXPECT_NEAR(r.p_value, 2.0 / 48620.0, 1e-15);
  const UTestResult flipped = mann_whitney_u(high, low);
  EXPECT_DOUBLE_EQ(flipped.u, 81.0);
  EXPECT_NEAR(flipped.p_value, 2.0 / 48620.0, 1e-15);
}

TEST(MannWhitney, SeparatedSamplesAsymptotic) {
  // z = (40.5 - 0.5) / sqrt(81 * 19 / 12), p = erfc(z / sqrt 2).
  std::vector<double> low, high;
  for (int i = 0; i < 9; ++i) {
    low.push_back(i);
    high.push_back(100 + i);
  }
  EXPECT_NEAR(mann_whitney_u(low, high, UTestMethod::asymptotic).p_value, 0.0004122948020616911, 1e-15);
}

TEST(MannWhitney, UnequalSizesExact) {
  // n1 = 7, n2 = 6, U = 7: P(U <= 7) = 44 / 1716 by enumeration, doubled.
  const std::vector<double> x{1.0, 3.5, 2.0, 8.0, 5.5, 7.0, 4.0};
  const std::vector<double> y{6.0, 9.0, 10.0, 11.5, 2.5, 12.0};
  const UTestResult r = mann_whitney_u(x, y);
  EXPECT_DOUBLE_EQ(r.u, 7.0);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.p_value, 0.05128205128205128, 1e-12);
  EXPECT_NEAR(mann_whitney_u(x, y, UTestMethod::asymptotic).p_value, 0.05378408886239829, 1e-12);
}

TEST(MannWhitney, TiesUseTheCorrectedVariance) {
  // Midranks; tie groups of sizes 3, 3, 2, 2 (values 2.2, 3.3 / 4.4, 5.5, 7.7):
  // U = 19.5, variance 81/12 * (19 - 78/306), p = 0.0682406530713424.
  const std::vector<double> a{1.1, 2.2, 2.2, 3.3, 4.4, 4.4, 4.4, 5.5, 6.0};
  const std::vector<double> b{2.2, 3.3, 3.3, 5.5, 6.6, 7.7, 7.7, 8.8, 9.9};
  const UTestResult r = mann_whitney_u(a, b);  // automatic falls back to asymptotic with ties
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 19.5);
  EXPECT_NEAR(r.p_value, 0.0682406530713424, 1e-12);
}

TEST(MannWhitney, IdenticalSamplesGiveNoEvidence) {
  const std::vector<double> same(12, 3.0);
  EXPECT_DOUBLE_EQ(mann_whitney_u(same, same).p_value, 1.0);
  const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_DOUBLE_EQ(mann_whitney_u(x, x).p_value, 1.0);
}

TEST(MannWhitney, EmptySideGivesPOne) {
  const std::vector<double> x{1, 2, 3};
  EXPECT_DOUBLE_EQ(mann_whitney_u(x, {}).p_value, 1.0);
}

TEST(MannWhitney, ExactAndAsymptoticAgreeOnLargerSamples) {
  // 40 vs 40 interleaved with a shift: both methods must land close together.
  std::vector<double> x, y;
  for (int i = 0; i < 40; ++i) {
    x.push_back(i * 1.0);
    y.push_back(i * 1.0 + 6.5);
  }
  const UTestResult exact = mann_whitney_u(x, y, UTestMethod::exact);
  const UTestResult approx = mann_whitney_u(x, y, UTestMethod::asymptotic);
  ASSERT_TRUE(exact.exact);
  EXPECT_NEAR(exact.p_value, approx.p_value, 0.01);
  EXPECT_LT(exact.p_value, 0.5);
}

}  // namespace
}  // namespace pokebench::results
