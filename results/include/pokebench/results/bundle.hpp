// Assembling one result document from the outputs of a nightly run: Google
// Benchmark JSON (`pokebench bench --benchmark_out=...`), `pokebench compare
// --format json`, `pokebench insns --format json` and the torture matrix.
#pragma once

#include <pokebench/results/document.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pokebench::results {

struct BundleInputs {
  // Google Benchmark JSON or result documents: their samples are concatenated
  // (repetitions renumbered per benchmark), the first one's context is the base.
  std::vector<std::string> benchmark_files;
  // {"schema_version": 1, "context": {...}, "strategies": [...]}: correctness
  // and costs; its non-empty context fields override the benchmark context.
  std::optional<std::string> compare_file;
  // [{"benchmark", "insns_per_iter"}], {"insns": [...]}, or the
  // `pokebench insns --format json` shape {"regions": [{"name", "insns_per_iter"}]}
  // (also accepted under "benchmarks").
  std::optional<std::string> insns_file;
  // [cells], {"correctness_matrix": [cells]} or {"cells": [cells]}; a cell is
  // {"strategy", "direction", "order", "int3", "verdict", "trials", "hangs", "torn_reads"}.
  std::optional<std::string> matrix_file;
  // KEY=VALUE context fields given on the command line win over everything.
  std::map<std::string, std::string> context;
};

// Throws InputError naming the file, the place and the problem.
ResultDocument bundle(const BundleInputs& inputs);

}  // namespace pokebench::results
