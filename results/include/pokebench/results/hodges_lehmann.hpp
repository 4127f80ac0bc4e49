// The Hodges-Lehmann estimate of the shift between two samples and its
// distribution-free confidence interval (Hollander, Wolfe & Chicken,
// "Nonparametric Statistical Methods", 3rd ed., section 4.3; R's
// wilcox.test(conf.int = TRUE) computes the same interval).
//
// For samples x (m values) and y (n values), the m*n differences y_j - x_i
// sorted are D(1) <= ... <= D(mn). The estimate is their median. With k the
// largest integer such that P(U <= k - 1) <= alpha / 2 under the null
// distribution of the Mann-Whitney U, [D(k), D(mn + 1 - k)] covers the true
// shift with probability at least 1 - alpha, whatever the (continuous)
// distribution. When even k = 1 is out of reach the samples are too small for
// that confidence: the interval is unbounded and `bounded` is false.
#pragma once

#include <span>

namespace pokebench::results {

struct ShiftEstimate {
  double shift = 0;  // median of y_j - x_i
  double lower = 0;  // confidence bounds (meaningful only when bounded)
  double upper = 0;
  bool bounded = false;
  double coverage = 0;  // the interval's exact coverage, >= 1 - alpha (bounded only)
};

// Throws std::invalid_argument on an empty sample or alpha outside (0, 1).
// Exact null distribution up to m*n <= kExactLimit (mann_whitney.hpp), the
// normal approximation beyond.
ShiftEstimate hodges_lehmann(std::span<const double> x, std::span<const double> y, double alpha);

// The smallest n such that two samples of n each can give a bounded interval
// at this alpha (2 / C(2n, n) <= alpha).
int min_samples_for(double alpha);

}  // namespace pokebench::results
