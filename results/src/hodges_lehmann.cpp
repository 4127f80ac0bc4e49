#include <pokebench/results/hodges_lehmann.hpp>
#include <pokebench/results/mann_whitney.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace pokebench::results {
namespace {

// Null distribution of U for sizes m, n as counts: the number of ways to
// interleave m x's and n y's with exactly u (x, y) pairs where y > x. The
// recurrence adds the largest value last: it is a y (u grows by the m x's
// below it) or an x.
std::vector<double> u_counts(int m, int n) {
  // f[i][j] holds the distribution for sizes i, j; only row i - 1 and i kept.
  std::vector<std::vector<double>> prev(n + 1), cur(n + 1);
  for (int j = 0; j <= n; ++j) prev[j] = {1.0};  // i = 0: one arrangement, u = 0
  for (int i = 1; i <= m; ++i) {
    cur[0] = {1.0};
    for (int j = 1; j <= n; ++j) {
      std::vector<double> f(static_cast<std::size_t>(i * j) + 1, 0.0);
      // Largest is an x: sizes (i - 1, j), u unchanged.
      for (std::size_t u = 0; u < prev[j].size(); ++u) f[u] += prev[j][u];
      // Largest is a y: sizes (i, j - 1), each of the i x's is below it.
      for (std::size_t u = 0; u < cur[j - 1].size(); ++u) f[u + static_cast<std::size_t>(i)] += cur[j - 1][u];
      cur[j] = std::move(f);
    }
    std::swap(prev, cur);
  }
  return prev[n];
}

// The largest k with P(U <= k - 1) <= alpha / 2, and that tail probability.
struct Critical {
  long k = 0;
  double tail = 0;
};

Critical critical_exact(int m, int n, double alpha) {
  const std::vector<double> counts = u_counts(m, n);
  double total = 0;
  for (double c : counts) total += c;
  Critical c;
  double cum = 0;
  for (std::size_t u = 0; u < counts.size(); ++u) {
    cum += counts[u];
    if (cum / total > alpha / 2) break;
    c.k = static_cast<long>(u) + 1;
    c.tail = cum / total;
  }
  return c;
}

Critical critical_normal(int m, int n, double alpha) {
  const double mean = m * static_cast<double>(n) / 2;
  const double sd = std::sqrt(m * static_cast<double>(n) * (m + n + 1) / 12.0);
  // z for alpha / 2 by bisection on erfc (no quantile function in <cmath>).
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(mid / std::sqrt(2.0)) > alpha / 2 ? lo : hi) = mid;
  }
  Critical c;
  c.k = std::max(0L, static_cast<long>(std::floor(mean - hi * sd - 0.5)) + 1);
  c.tail = alpha / 2;
  return c;
}

}  // namespace

ShiftEstimate hodges_lehmann(std::span<const double> x, std::span<const double> y, double alpha) {
  if (x.empty() || y.empty()) throw std::invalid_argument("hodges_lehmann: a sample is empty");
  if (!(alpha > 0 && alpha < 1)) throw std::invalid_argument("hodges_lehmann: alpha must be in (0, 1)");
  std::vector<double> d;
  d.reserve(x.size() * y.size());
  for (double xi : x)
    for (double yj : y) d.push_back(yj - xi);
  std::sort(d.begin(), d.end());
  const std::size_t mn = d.size();
  ShiftEstimate e;
  e.shift = mn % 2 ? d[mn / 2] : (d[mn / 2 - 1] + d[mn / 2]) / 2;
  const int m = static_cast<int>(x.size()), n = static_cast<int>(y.size());
  const Critical c = static_cast<long>(mn) <= kExactLimit ? critical_exact(m, n, alpha) : critical_normal(m, n, alpha);
  if (c.k < 1) {
    e.lower = -INFINITY;
    e.upper = INFINITY;
    return e;
  }
  e.bounded = true;
  e.lower = d[static_cast<std::size_t>(c.k) - 1];
  e.upper = d[mn - static_cast<std::size_t>(c.k)];
  e.coverage = 1 - 2 * c.tail;
  return e;
}

int min_samples_for(double alpha) {
  // 2 / C(2n, n): the probability of the most extreme arrangement, both tails.
  double c = 2;  // C(2, 1)
  for (int n = 1; n < 1000; ++n) {
    if (2 / c <= alpha) return n;
    c = c * (2 * n + 1) * (2 * n + 2) / ((n + 1) * static_cast<double>(n + 1));  // C(2n+2, n+1)
  }
  return 1000;
}

}  // namespace pokebench::results
