// E-Divisive means (change_points.hpp): the divergence of two segments is
// their energy distance with exponent 1, 2 E|X-Y| - E|X-X'| - E|Y-Y'|, scaled
// by mn/(m+n). The best split of a segment is the one that maximises it; the
// split is kept when a permutation test says that maximum is unusual for the
// segment's values in random order, and then both halves are searched again.
#include <pokebench/results/change_points.hpp>

#include <pokebench/results/regress.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace pokebench::results {

namespace {

// Sum of |x_i - x_j| over all pairs i < j of v[a, b).
double within(const std::vector<double>& v, std::size_t a, std::size_t b) {
  double s = 0;
  for (std::size_t i = a; i < b; ++i)
    for (std::size_t j = i + 1; j < b; ++j) s += std::fabs(v[i] - v[j]);
  return s;
}

double between(const std::vector<double>& v, std::size_t a, std::size_t t, std::size_t b) {
  double s = 0;
  for (std::size_t i = a; i < t; ++i)
    for (std::size_t j = t; j < b; ++j) s += std::fabs(v[i] - v[j]);
  return s;
}

struct Split {
  std::size_t at = 0;
  double q = -INFINITY;
};

// The split of v[a, b) with the largest scaled energy divergence.
Split best_split(const std::vector<double>& v, std::size_t a, std::size_t b, std::size_t min_segment) {
  Split best;
  for (std::size_t t = a + min_segment; t + min_segment <= b; ++t) {
    const double m = static_cast<double>(t - a), n = static_cast<double>(b - t);
    const double x = m > 1 ? within(v, a, t) / (m * (m - 1) / 2) : 0;
    const double y = n > 1 ? within(v, t, b) / (n * (n - 1) / 2) : 0;
    const double e = 2 * between(v, a, t, b) / (m * n) - x - y;
    const double q = m * n / (m + n) * e;
    if (q > best.q) best = {t, q};
  }
  return best;
}

std::vector<double> slice_median(const std::vector<double>& v, std::size_t a, std::size_t b) {
  return {median(std::vector<double>(v.begin() + static_cast<long>(a), v.begin() + static_cast<long>(b)))};
}

void search(const std::vector<double>& v, std::size_t a, std::size_t b, const ChangePointOptions& o,
            std::mt19937_64& rng, std::vector<ChangePoint>& out) {
  if (b - a < 2 * o.min_segment) return;
  const Split split = best_split(v, a, b, o.min_segment);
  if (split.at == 0 || !(split.q > 0)) return;
  std::vector<double> shuffled(v.begin() + static_cast<long>(a), v.begin() + static_cast<long>(b));
  int as_large = 0;
  for (int k = 0; k < o.permutations; ++k) {
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    if (best_split(shuffled, 0, shuffled.size(), o.min_segment).q >= split.q) ++as_large;
  }
  const double p = (as_large + 1.0) / (o.permutations + 1.0);
  if (p >= o.alpha) return;
  const double before = slice_median(v, a, split.at)[0], after = slice_median(v, split.at, b)[0];
  const double change = before != 0 ? (after - before) / std::fabs(before) * 100 : 0;
  search(v, a, split.at, o, rng, out);
  if (std::fabs(change) >= o.min_change_pct) out.push_back({split.at, before, after, change, p});
  search(v, split.at, b, o, rng, out);
}

}  // namespace

std::vector<ChangePoint> detect_change_points(const std::vector<double>& series, const ChangePointOptions& options) {
  std::vector<ChangePoint> out;
  std::mt19937_64 rng(options.seed);
  search(series, 0, series.size(), options, rng, out);
  std::sort(out.begin(), out.end(), [](const ChangePoint& x, const ChangePoint& y) { return x.index < y.index; });
  return out;
}

}  // namespace pokebench::results
