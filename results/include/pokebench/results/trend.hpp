// A benchmark's history as a series of per-run medians on its gated metric,
// with the change points found in it (change_points.hpp).
#pragma once

#include <pokebench/results/change_points.hpp>
#include <pokebench/results/report.hpp>

#include <string>
#include <vector>

namespace pokebench::results {

struct TrendPoint {
  std::int64_t run = 0;  // history run id; 0 for a run not stored yet
  std::string git_sha, date;
  double value = 0;  // median of the run's repetitions
};

struct TrendSeries {
  std::string benchmark, metric;
  std::vector<TrendPoint> points;
  std::vector<ChangePoint> change_points;  // index into points
};

// Every benchmark matching `regex` (std::regex, searched) that its family gates
// (or every match under a --metric override), oldest run first. Throws
// InputError for a bad regular expression.
std::vector<TrendSeries> trends(const std::vector<HistoryRun>& runs, const std::string& regex,
                                const std::string& metric_override, const ChangePointOptions& options);

}  // namespace pokebench::results
