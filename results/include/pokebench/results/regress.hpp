// The regression gate: timings (U test AND minimum median change), exact
// instruction counts, and correctness of the current run.
#pragma once

#include <pokebench/results/document.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pokebench::results {

struct GateOptions {
  double alpha = 0.01;             // two-sided Mann-Whitney U
  double min_change_pct = 5.0;     // and the median must move at least this much
  int min_repetitions = 9;         // fewer on either side: unreliable, never gates
  double insns_threshold_pct = 0.5;  // either direction: exact counts only move when the code does
  std::string metric = "real_time";  // real_time | cpu_time | a user counter (cycles_per_iter)
};

enum class Verdict {
  same,          // no significant change
  regression,    // gates
  improvement,   // significant and at least min change faster
  changed,       // exact instruction count fell beyond the threshold: gates, the change must be acknowledged
  unreliable,    // too few repetitions: reported, never gates
  only_baseline, // benchmark vanished from the current run
  only_current,  // new benchmark
  no_data,       // the metric is missing on one side
};
const char* to_string(Verdict v);

struct TimingRow {
  std::string benchmark;
  std::size_t n_baseline = 0, n_current = 0;
  double median_baseline = 0, median_current = 0;  // in the metric's unit (ns for times)
  double change_pct = 0;
  double p_value = 1;
  bool exact = false;
  Verdict verdict = Verdict::same;
};

struct InsnsRow {
  std::string benchmark;
  double baseline = 0, current = 0, change_pct = 0;
  Verdict verdict = Verdict::same;
};

struct CorrectnessRow {
  std::string strategy;
  std::string scope;  // "enable", "disable", or "matrix" (all torture cells of the strategy)
  std::int64_t trials = 0, hangs = 0, torn_reads = 0;
  bool gates = false;
  std::string reason;  // why it gates, or what it shows
  std::int64_t errors = 0;  // matrix cells whose trial could not be judged (ERROR)
};

struct RegressReport {
  GateOptions options;
  std::string baseline_origin, current_origin;
  Context baseline_context, current_context;
  std::vector<TimingRow> timings;
  std::vector<InsnsRow> insns;
  std::vector<CorrectnessRow> correctness;
  std::vector<std::string> notes;  // e.g. "no correctness data in the current run"

  std::size_t timing_regressions() const;
  std::size_t insns_regressions() const;  // more (regression) or fewer (changed) instructions
  std::size_t correctness_failures() const;
  bool gated() const { return timing_regressions() + insns_regressions() + correctness_failures() > 0; }
  int exit_code() const { return gated() ? 1 : 0; }
};

RegressReport regress(const ResultDocument& baseline, const ResultDocument& current, const GateOptions& options);

// All three end with one greppable "verdict: OK ..." / "verdict: REGRESSION ..." line (text, markdown).
std::string format_text(const RegressReport& report);
std::string format_markdown(const RegressReport& report);
nlohmann::json format_json(const RegressReport& report);

// The samples of one benchmark in the gate's metric; empty when the metric is absent.
std::vector<double> metric_values(const ResultDocument& doc, const std::string& benchmark, const std::string& metric);
double median(std::vector<double> values);

} // namespace pokebench::results
