// Running an A/B of two pokebench executables (shared by `pokebench ab` and
// `pokebench bisect`): R rounds, each round one separately started process of
// A and one of B in a random order, every process one sample.
#pragma once

#include <pokebench/results/ab.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace pokebench::cli {

struct AbRunOptions {
  std::string a, b;          // executables
  std::string filter = ".";  // --benchmark_filter
  int rounds = 10;
  int repetitions = 3;     // per process; their median is the process's sample
  double min_time = 0.05;  // --benchmark_min_time per repetition
  std::uint64_t seed = 0;  // 0: from std::random_device
  results::AbOptions decision;
  std::string progress_prefix = "ab";  // "pokebench: <prefix>: round k/R ..."
};

// --rounds, --repetitions, --min-time, --alpha, --min-change, --seed.
void add_ab_options(CLI::App* cmd, AbRunOptions& o);

// Throws std::runtime_error (exit 2) when `exe` is missing, not executable or
// does not answer --version with "pokebench ...". Returns its version line.
std::string check_pokebench(const std::string& exe, const char* which);

// Runs the rounds and decides. Throws std::runtime_error (with the failing
// process's stderr) when a benchmark process fails, Interrupted on an
// interrupt.
results::AbReport run_ab(const AbRunOptions& o);

}  // namespace pokebench::cli
