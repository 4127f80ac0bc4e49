// Every pokebench benchmark, registered with Google Benchmark:
//   loop/<variant>/<off|on|flipping>                       cost on the hot path
//   loop/<variant>/writer:<period>                         the same with a set_mems_allowed() writer
//   patch/<per-site|batched>/<mprotect|procmem>/sites:<N>  cost of one key flip
//   sync/<membarrier|ipi|signal>                           cost of one sync step
// Names are a public contract: nightly history keys on them.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pokebench::bench {

// Registers every family once (later calls do nothing). Explicit, not static
// initialisers, so nothing is lost when linking the static library.
void register_benchmarks();

// Before a run whose context is reported (not a listing): says once which
// cycle counter is used (announce_counters) and adds the build and machine
// facts (git_sha, compiler, flags, kernel, cpu_model, vm, hypervisor) to
// Google Benchmark's context. Once per process.
void add_run_context();

// One benchmark row as `compare` consumes it (median over repetitions when
// there are several).
struct Row {
  std::string name;
  double real_time_ns = 0;  // per iteration
  double cycles_per_iter = 0;
  double spread = 0;         // coefficient of variation, 0 without repetitions
  double syncs = 0;          // patch/*, loop/*/flipping: per flip (syncs_per_flip)
  double ipis_per_flip = 0;  // the structural counters of bench/src/flip_counters.hpp
  double write_windows_per_flip = 0;
  double bytes_written_per_flip = 0;
  double ref_units = 0;                    // time per iteration / this process's sync round trip
  double flip_us = 0;                      // patch/*
  double int3_hits = 0;                    // per iteration (flip for patch/*)
  std::map<std::string, double> counters;  // every user counter of the row, by name
  bool error = false;
  std::string error_message;
};

// Runs the benchmarks matching `filter` in-process with `repetitions` and
// `min_time` seconds per repetition, quietly, and returns one row each.
std::vector<Row> run_rows(const std::string& filter, int repetitions, double min_time);

}  // namespace pokebench::bench
