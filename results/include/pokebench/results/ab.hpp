// A/B of two builds on one machine at one time (`pokebench ab`): each
// separately started process is one sample per benchmark (its repetitions
// summarised as the nightly gate does: statistic_of in metric.hpp); per
// benchmark, the ratio B/A of the family's metric is estimated on those
// process samples with a distribution-free confidence interval
// (Hodges-Lehmann on the logarithms, hodges_lehmann.hpp), and the structural
// counters are compared exactly.
#pragma once

#include <pokebench/results/document.hpp>
#include <pokebench/results/metric.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pokebench::results {

// One process: benchmark name -> field -> its repetitions summarised by the
// row's family (the fastest for loop off/on rows, else the median).
// Fields are real_time and cpu_time (nanoseconds) and every user counter.
struct ProcessSample {
  std::string origin;  // where it came from, for messages
  std::map<std::string, std::map<std::string, double>> rows;
};

// The process's rows from its benchmark output (parse_result_json: errored
// rows are left out there, with a warning in doc.warnings).
ProcessSample to_process_sample(const ResultDocument& doc);

// The metric each row is judged on is ab_metric() (metric.hpp); the exact
// counters compared per process are kExactCounters there.

struct AbOptions {
  double alpha = 0.05;          // family-wise over the benchmarks judged (Bonferroni)
  double min_change_pct = 2.0;  // smaller estimated changes never count
};

enum class AbVerdict { same, slower, faster, exact_change, unresolved, missing };
const char* to_string(AbVerdict) noexcept;

struct AbRow {
  std::string name;
  std::string metric;
  std::string note;  // e.g. why the metric is not the family's, which counter changed
  int samples_a = 0, samples_b = 0;
  double median_a = 0, median_b = 0;
  double ratio = 1, lower = 0, upper = 0;  // B/A estimate and interval (bounded only)
  bool bounded = false;
  AbVerdict verdict = AbVerdict::missing;
};

struct AbReport {
  std::vector<AbRow> rows;
  AbOptions options;
  double alpha_per_row = 0;
  int rounds_needed = 0;  // rounds for a bounded interval at alpha_per_row
  int counted(AbVerdict v) const;
  bool changed() const;    // anything slower, faster or exactly different
  bool regressed() const;  // slower or exactly different
  int exit_code() const { return changed() ? 1 : 0; }
};

// Throws std::invalid_argument when a side has no samples.
AbReport decide_ab(const std::vector<ProcessSample>& a, const std::vector<ProcessSample>& b, const AbOptions& o);

std::string format_ab_text(const AbReport& r);  // table and the one-line verdict
nlohmann::json format_ab_json(const AbReport& r);
std::string ab_verdict_line(const AbReport& r);  // "verdict: SAME ..." / "verdict: CHANGED ..."

}  // namespace pokebench::results
