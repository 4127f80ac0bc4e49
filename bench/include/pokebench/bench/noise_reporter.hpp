// Console output that says when a row cannot be trusted, as nanobench does.
//
// Google Benchmark computes the coefficient of variation ("cv" aggregate)
// over repetitions; a row whose cv exceeds the threshold (5%) on
// cycles_per_iter (or on real time when the row has no cycles counter) gets a
// `~ unstable` marker line under it, and Finalize() says once what to change
// (a warning through the diagnostics sink). Without repetitions there is no
// spread to judge: Finalize() says so (a note).
#pragma once

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace pokebench::bench {

struct UnstableRow {
  std::string name;    // run name without the aggregate suffix
  std::string metric;  // "cycles_per_iter" or "real_time"
  double spread = 0;   // coefficient of variation, 0.07 = 7%
  long long repetitions = 0;
};

class NoiseReporter : public benchmark::ConsoleReporter {
 public:
  explicit NoiseReporter(OutputOptions opts, double threshold = 0.05)
      : benchmark::ConsoleReporter(opts), threshold_(threshold) {}

  void ReportRuns(const std::vector<Run>& reports) override;
  void Finalize() override;

  const std::vector<UnstableRow>& unstable() const noexcept { return unstable_; }

 private:
  double threshold_;
  std::vector<UnstableRow> unstable_;
  std::size_t rows_judged_ = 0;
  std::size_t rows_unjudged_ = 0;
};

// Judges one "cv" aggregate row: the spread and metric used, or nothing when
// `run` is not a cv row.
bool spread_of(const benchmark::BenchmarkReporter::Run& run, UnstableRow& out);

}  // namespace pokebench::bench
