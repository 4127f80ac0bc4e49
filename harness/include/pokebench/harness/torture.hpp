// The torture matrix: every strategy x direction x order x int3 policy in
// stress mode, within a time budget. SUCCESS means every fix (ordered,
// cached, cookie, and batched with one batch holding every site) is OK in
// every cell, and the v4.12 bug (per-site, enable, retry-first, skip) hung.
#pragma once

#include <pokebench/harness/scenario.hpp>

#include <functional>
#include <string>
#include <vector>

namespace pokebench::harness {

struct TortureCell {
  ScenarioConfig config;
  ScenarioResult result;
  bool expected_ok = false; // a fix: must be OK
};

struct TortureResult {
  std::vector<TortureCell> cells;
  bool success = false;
  std::string why;          // what failed, when !success
  double seconds = 0;
  bool interrupted = false;
};

// The cells, in run order; `base` supplies everything but the matrix axes
// (duration is the per-cell share of duration_s).
std::vector<ScenarioConfig> torture_matrix(const ScenarioConfig& base, double duration_s);

// Runs the matrix; on_cell is called after each cell (index, count).
TortureResult run_torture(double duration_s, const std::function<void(const TortureCell&, std::size_t, std::size_t)>& on_cell = {},
                          ScenarioConfig base = {});

// The matrix as JSON: {"schema_version": 1, "success", "seconds", "why",
// "correctness_matrix": [{strategy, direction, order, int3, verdict
// (OK|HANG|TORN|ERROR), trials, hangs, torn_reads, expected_ok}]}, the shape
// `pokebench results bundle --matrix` reads.
std::string torture_json(const TortureResult&);

// One table row for a finished cell, and its header.
std::string torture_header();
std::string torture_row(const TortureCell&);

} // namespace pokebench::harness
