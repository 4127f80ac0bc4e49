// Shared by the gate's translation units (regress.cpp, regress_timing.cpp).
#pragma once

#include <pokebench/results/metric.hpp>
#include <pokebench/results/regress.hpp>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pokebench::results::detail {

double change_pct(double baseline, double current);

// Benchmarks in the order the current run has them, then those only the baseline runs have.
std::vector<std::string> benchmark_names(const std::vector<const ResultDocument*>& baseline,
                                         const ResultDocument& current);
bool has_benchmark(const ResultDocument& doc, const std::string& name);

// Each benchmark's rows of a document, as pointers into it (the document
// must outlive the index), so that a row's lookups read its own repetitions
// rather than the whole file: the gate stays linear in the number of
// benchmarks (a scan per row was quadratic), and holds no second copy of the
// samples.
class RowsByBenchmark {
 public:
  explicit RowsByBenchmark(const ResultDocument& doc);
  // The benchmark's rows in document order, or none.
  const SampleRows& operator[](const std::string& benchmark) const;

 private:
  std::unordered_map<std::string_view, SampleRows> rows_;  // keys view the samples' names
  SampleRows none_;
};

// The row's metric: the --metric override (gated unless its family is sync) or the family default.
MetricChoice choose_metric(const SampleRows& current, const std::string& benchmark, const GateOptions& o);

TimingRow compare_timing_files(const std::string& name, const SampleRows& baseline, const SampleRows& current,
                               const GateOptions& o);
// History mode: every row, the whole-run shift and the Holm correction.
void compare_timings_history(const std::vector<ResultDocument>& runs, const ResultDocument& current,
                             RegressReport& report);

}  // namespace pokebench::results::detail
