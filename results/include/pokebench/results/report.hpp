// The self-contained HTML report: context, strategy comparison, flip latency,
// correctness matrix and history trends, plots inline as gnuplot SVG.
#pragma once

#include <pokebench/results/change_points.hpp>
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

// One host's stored runs, oldest first, for trends side by side (report --hosts).
struct HostHistory {
  std::string host;
  std::vector<HistoryRun> runs;
};

struct ReportOptions {
  std::string gnuplot = "gnuplot";
  // Benchmarks drawn in the trend plot, one line each, on their family's metric (gate.metric overrides).
  std::string trend_regex = "^loop/[^/]+/(off|on)$";
  GateOptions gate;                  // the first screen's verdict: the run against the stored runs before it
  std::size_t baseline_runs = 5;     // how many of those (the nightly's history:last=5)
  ChangePointOptions change_points;  // marked in the trend plot
};

// `run` is the run at the top of the page; `history` (oldest first, may be
// empty; when not, its last entry is `run`) feeds the gate and the trend plot. Throws EnvironmentError when gnuplot is
// missing or fails. `hosts` not empty: the trend section shows each of them
// side by side instead of `history` alone.
std::string render_report(const ResultDocument& run, const std::vector<HistoryRun>& history,
                          const ReportOptions& options, const std::vector<HostHistory>& hosts = {});

}  // namespace pokebench::results
