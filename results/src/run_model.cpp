// Robust run-to-run spread and Holm's correction (see run_model.hpp).
#include <pokebench/results/run_model.hpp>

#include <pokebench/results/regress.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pokebench::results {

RunSpread run_spread(const std::vector<double>& run_medians) {
  RunSpread s;
  s.runs = run_medians.size();
  s.location = median(run_medians);
  if (run_medians.empty()) return s;
  std::vector<double> deviations;
  deviations.reserve(run_medians.size());
  for (double v : run_medians) deviations.push_back(std::fabs(v - s.location));
  // 1.4826 makes the MAD estimate the standard deviation of normal data.
  s.spread = 1.4826 * median(deviations);
  return s;
}

double normal_two_sided_p(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

std::vector<double> holm_adjust(const std::vector<double>& p) {
  const std::size_t m = p.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  std::vector<double> adjusted(m, 1.0);
  double running = 0;
  for (std::size_t k = 0; k < m; ++k) {
    // The k-th smallest p is multiplied by the number of hypotheses not yet rejected;
    // the running maximum keeps the adjusted values monotone.
    running = std::max(running, std::min(1.0, static_cast<double>(m - k) * p[order[k]]));
    adjusted[order[k]] = running;
  }
  return adjusted;
}

}  // namespace pokebench::results
