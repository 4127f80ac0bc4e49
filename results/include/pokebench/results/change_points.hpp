// Change points in a benchmark's history: E-Divisive means (Matteson and
// James, "A Nonparametric Approach for Multiple Change Point Analysis of
// Multivariate Data", JASA 2014; the method behind MongoDB's and Apache
// Otava's performance-history analysis), with a permutation test per split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pokebench::results {

struct ChangePointOptions {
  double alpha = 0.01;          // permutation p-value a split must beat
  int permutations = 999;       // per candidate split
  std::size_t min_segment = 3;  // points on each side of a split
  double min_change_pct = 5.0;  // and the segment medians must differ this much
  std::uint64_t seed = 1;       // fixed: the same history gives the same answer
};

struct ChangePoint {
  std::size_t index = 0;         // first point of the new segment
  double before = 0, after = 0;  // medians of the segments either side
  double change_pct = 0;
  double p_value = 1;
};

// Change points of `series` (oldest first), in index order.
std::vector<ChangePoint> detect_change_points(const std::vector<double>& series, const ChangePointOptions& options);

}  // namespace pokebench::results
