// The self-contained HTML report: context, strategy comparison, flip latency,
// correctness matrix and history trends, plots inline as gnuplot SVG.
#pragma once

#include <pokebench/results/document.hpp>
#include <pokebench/results/regress.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace pokebench::results {

struct HistoryRun {
  std::int64_t id = 0;
  ResultDocument doc;
};

struct ReportOptions {
  std::string gnuplot = "gnuplot";
  // Benchmarks drawn in the trend plot, one line each.
  std::string trend_regex = "^loop/[^/]+/(off|on)$";
  GateOptions gate;  // marks a trend point when it regressed against the run before it
};

// `run` is the run at the top of the page; `history` (oldest first, may be empty)
// feeds the trend plot. Throws EnvironmentError when gnuplot is missing or fails.
std::string render_report(const ResultDocument& run, const std::vector<HistoryRun>& history,
                          const ReportOptions& options);

} // namespace pokebench::results
