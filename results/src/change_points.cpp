// E-Divisive means (change_points.hpp): the divergence of two segments is
// their energy distance with exponent 1, 2 E|X-Y| - E|X-X'| - E|Y-Y'|, scaled
// by mn/(m+n). The best split of a segment is the one that maximises it over
// the segment before and every segment after the split; the
// split is kept when a permutation test says that maximum is unusual for the
// segment's values in random order, and then both halves are searched again.
#include <pokebench/results/change_points.hpp>

#include <pokebench/results/regress.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace pokebench::results {

namespace {

struct Split {
  std::size_t at = 0;
  double q = -INFINITY;
};

// The split of v[a, b) with the largest scaled energy divergence between the
// segment before it, [a, t), and one after it, [t, k) for every k <= b (the
// right end moves too, as in Matteson and James: a step that comes back, as
// in 100, 120, 100, is found where a split against all of [t, b) mixes the
// two levels). Pair sums grow by one point at a time: O(n^3) for n points.
Split best_split(const std::vector<double>& v, std::size_t a, std::size_t b, std::size_t min_segment) {
  Split best;
  double within_x = 0;  // sum of |v_i - v_j| over pairs in [a, t)
  for (std::size_t t = a + 1; t + min_segment <= b; ++t) {
    for (std::size_t i = a; i + 1 < t; ++i) within_x += std::fabs(v[i] - v[t - 1]);
    if (t < a + min_segment) continue;
    const double m = static_cast<double>(t - a);
    const double x = m > 1 ? within_x / (m * (m - 1) / 2) : 0;
    double between = 0, within_y = 0;  // pairs across [a, t) x [t, k), pairs in [t, k)
    for (std::size_t k = t; k < b; ++k) {
      for (std::size_t i = a; i < t; ++i) between += std::fabs(v[i] - v[k]);
      for (std::size_t j = t; j < k; ++j) within_y += std::fabs(v[j] - v[k]);
      const std::size_t len = k + 1 - t;
      if (len < min_segment) continue;
      const double n = static_cast<double>(len);
      const double y = n > 1 ? within_y / (n * (n - 1) / 2) : 0;
      const double q = m * n / (m + n) * (2 * between / (m * n) - x - y);
      if (q > best.q) best = {t, q};
    }
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
