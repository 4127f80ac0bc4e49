// Mann-Whitney U: ranks with midranks for ties, then either the exact null
// distribution of U (no ties) or the normal approximation with the tie-corrected
// variance  n1 n2 / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1)))  and a 0.5
// continuity correction (as scipy.stats.mannwhitneyu and R's wilcox.test do).
#include <pokebench/results/mann_whitney.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace pokebench::results {

namespace {

struct Ranked {
  double rank_sum_x = 0;
  double tie_term = 0;  // sum over tie groups of t^3 - t
};

Ranked rank(std::span<const double> x, std::span<const double> y) {
  struct Item {
    double value;
    bool from_x;
  };
  std::vector<Item> all;
  all.reserve(x.size() + y.size());
  for (double v : x) all.push_back({v, true});
  for (double v : y) all.push_back({v, false});
  std::sort(all.begin(), all.end(), [](const Item& a, const Item& b) { return a.value < b.value; });
  Ranked r;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].value == all[i].value) ++j;
    const double t = static_cast<double>(j - i);
    const double midrank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (all[k].from_x) r.rank_sum_x += midrank;
    r.tie_term += t * t * t - t;
    i = j;
  }
  return r;
}

// P(U <= u) under H0 for sample sizes m, n without ties. counts[j][u] holds the
// number of arrangements of i x-values and j y-values with U = u, built row by
// row with  c(i, j, u) = c(i-1, j, u-j) + c(i, j-1, u)  (the largest value is
// either an x, beating all j y-values, or a y, beating none).
std::vector<double> exact_distribution(int m, int n) {
  const int max_u = m * n;
  std::vector<std::vector<double>> prev(n + 1, std::vector<double>(max_u + 1, 0.0));
  for (int j = 0; j <= n; ++j) prev[j][0] = 1.0;  // i = 0: one arrangement, U = 0
  for (int i = 1; i <= m; ++i) {
    std::vector<std::vector<double>> cur(n + 1, std::vector<double>(max_u + 1, 0.0));
    cur[0][0] = 1.0;
    for (int j = 1; j <= n; ++j) {
      for (int u = 0; u <= i * j; ++u) {
        double c = cur[j - 1][u];
        if (u >= j) c += prev[j][u - j];
        cur[j][u] = c;
      }
    }
    prev = std::move(cur);
  }
  std::vector<double> pmf = std::move(prev[n]);
  const double total = std::accumulate(pmf.begin(), pmf.end(), 0.0);
  for (double& p : pmf) p /= total;
  return pmf;
}

}  // namespace

UTestResult mann_whitney_u(std::span<const double> x, std::span<const double> y, UTestMethod method) {
  UTestResult result;
  if (x.empty() || y.empty()) return result;
  const double n1 = static_cast<double>(x.size());
  const double n2 = static_cast<double>(y.size());
  const Ranked r = rank(x, y);
  result.u = r.rank_sum_x - n1 * (n1 + 1) / 2.0;

  const bool ties = r.tie_term > 0;
  const bool small = x.size() * y.size() <= static_cast<std::size_t>(kExactLimit);
  const bool use_exact = !ties && (method == UTestMethod::exact || (method == UTestMethod::automatic && small));

  if (use_exact) {
    const std::vector<double> pmf = exact_distribution(static_cast<int>(x.size()), static_cast<int>(y.size()));
    const auto u = static_cast<std::size_t>(std::llround(result.u));
    double lower = 0, upper = 0;
    for (std::size_t k = 0; k <= u; ++k) lower += pmf[k];
    for (std::size_t k = u; k < pmf.size(); ++k) upper += pmf[k];
    result.p_value = std::min(1.0, 2.0 * std::min(lower, upper));
    result.exact = true;
    return result;
  }

  const double n = n1 + n2;
  const double mean = n1 * n2 / 2.0;
  const double variance = n1 * n2 / 12.0 * ((n + 1.0) - r.tie_term / (n * (n - 1.0)));
  if (variance <= 0) return result;  // every value tied: no evidence of a difference, p = 1
  const double z = (std::fabs(result.u - mean) - 0.5) / std::sqrt(variance);
  result.p_value = std::clamp(std::erfc(z / std::sqrt(2.0)), 0.0, 1.0);
  return result;
}

}  // namespace pokebench::results
