// The run-to-run model of the history gate: against stored runs, one run is
// one sample. Each benchmark's runs are summarised by a robust location and
// spread of their per-run medians; a new run is judged against that spread,
// and the family of gated rows is corrected with Holm's step-down method.
#pragma once

#include <cstddef>
#include <vector>

namespace pokebench::results {

struct RunSpread {
  double location = 0;  // median of the per-run medians
  double spread = 0;    // 1.4826 * MAD of the per-run medians (the normal-consistent scale)
  std::size_t runs = 0;
};
// Empty input gives runs = 0 and NaN location.
RunSpread run_spread(const std::vector<double>& run_medians);

// Two-sided p of a standard normal score.
double normal_two_sided_p(double z);

// Holm (1979) step-down adjusted p-values, in the input order: rejecting every
// adjusted p < alpha keeps the family-wise error rate at alpha.
std::vector<double> holm_adjust(const std::vector<double>& p);

}  // namespace pokebench::results
