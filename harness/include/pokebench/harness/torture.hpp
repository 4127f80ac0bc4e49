// The torture matrix of a scenario: every listed strategy x direction x
// order x int3 policy in stress mode, within a time budget. SUCCESS means
// every strategy the scenario marks as a fix is OK in every cell, and the
// scenario's known bug (slub: per-site, enable, retry-first, skip) hung.
#pragma once

#include <pokebench/harness/runner.hpp>

#include <functional>
#include <string>
#include <vector>

namespace pokebench::harness {

// The watchdog timeout torture runs with unless told otherwise: short, so a
// hung cell gives its budget back quickly.
inline constexpr unsigned kTortureTimeoutMs = 300;

struct TortureCell {
  ScenarioConfig config;
  ScenarioResult result;
  bool expected_ok = false;  // a fix: must be OK
};

struct TortureResult {
  std::vector<TortureCell> cells;
  bool success = false;
  std::string why;  // what failed, when !success
  double seconds = 0;
  bool interrupted = false;
  std::size_t cells_planned = 0;  // cells of the matrix (cells.size() < this when interrupted)
  // Cells whose verdict is ERROR (a child failed, or nothing ran): they say
  // nothing about the code, so a matrix with any is no verdict either way
  // unless a fix failed elsewhere.
  std::size_t error_cells = 0;
  std::string environment_error;  // the first cell's machine limit, if that was the cause
  bool fix_failed = false;        // a fix hung or tore somewhere
};

// The cells, in run order; `base` supplies everything but the matrix axes
// (duration is the per-cell share of duration_s), with the scenario's
// torture_params() for parameters `base` does not set. Torture's own
// defaults: kTortureTimeoutMs for the watchdog.
std::vector<ScenarioConfig> torture_matrix(const ScenarioConfig& base, double duration_s);

// Runs the matrix; on_cell is called after each cell (index, count).
TortureResult run_torture(double duration_s,
                          const std::function<void(const TortureCell&, std::size_t, std::size_t)>& on_cell = {},
                          ScenarioConfig base = {});

// The matrix as JSON: {"schema_version": 2, "scenario", "success", "seconds", "why",
// "interrupted", "cells_planned",
// "correctness_matrix": [{strategy, direction, order, int3, verdict
// (OK|HANG|TORN|ERROR), trials, hangs, torn_reads, expected_ok}]}, the shape
// `pokebench results bundle --matrix` reads.
std::string torture_json(const TortureResult&);

// One table row for a finished cell, and its header.
std::string torture_header();
std::string torture_row(const TortureCell&);

}  // namespace pokebench::harness
