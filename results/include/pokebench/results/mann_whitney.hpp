// Two-sided Mann-Whitney U test (Wilcoxon rank-sum) for the regression gate.
#pragma once

#include <span>

namespace pokebench::results {

enum class UTestMethod {
  automatic,   // exact when there are no ties and n1*n2 <= kExactLimit, else asymptotic
  exact,       // exact null distribution; ties make it invalid, so they fall back to asymptotic
  asymptotic,  // normal approximation with tie correction and continuity correction
};

struct UTestResult {
  double u = 0;        // U of the first sample: R1 - n1(n1+1)/2
  double p_value = 1;  // two-sided
  bool exact = false;
};

inline constexpr int kExactLimit = 2500;  // n1*n2; 50x50 keeps the DP at a few MB

// Matches scipy.stats.mannwhitneyu(x, y, alternative="two-sided", use_continuity=True)
// with method "exact" or "asymptotic" respectively. Empty input gives p = 1.
UTestResult mann_whitney_u(std::span<const double> x, std::span<const double> y,
                           UTestMethod method = UTestMethod::automatic);

}  // namespace pokebench::results
