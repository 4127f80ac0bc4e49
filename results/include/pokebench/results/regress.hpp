// The regression gate: timings on each family's metric (against stored runs:
// the run-to-run model of run_model.hpp; one document against another: a U
// test over repetitions), exact counters (instructions, syncs per flip, ...),
// and correctness of the current run.
#pragma once

#include <pokebench/results/document.hpp>
#include <pokebench/results/metric.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pokebench::results {

struct GateOptions {
  double alpha = 0.01;          // history: family-wise over the gated rows (Holm); file: per-row U test
  double min_change_pct = 5.0;  // and the median must move at least this much
  int min_repetitions = 9;      // file against file: fewer on either side is unreliable, never gates
  int min_runs = 5;             // history: fewer stored runs of a benchmark is unreliable, never gates
  double min_spread_pct = 1.0;  // history: floor of the run-to-run spread, in percent of the location
  // History: the floor for rows judged on ref_units (patch, flipping). Their
  // cost is system calls and IPIs, and five stored runs of it agree by chance
  // more often than they repeat: on the project's VM they move 10-30% between
  // runs (docs/nightly.md, results/tests/calibration).
  double min_spread_ref_pct = 10.0;
  double insns_threshold_pct = 0.0;  // either direction; 0: any change of an exact count gates
  std::string metric;                // "" = each family's default (metric.hpp); else this metric for every row
};

// "", "real_time", "cpu_time" or a counter of `known`; else throws InputError listing them.
void validate_metric(const std::string& metric, const std::vector<std::string>& known);

enum class Verdict {
  same,           // no significant change
  regression,     // gates
  improvement,    // significant and at least min change faster
  changed,        // an exact count fell: gates, the change must be acknowledged
  unreliable,     // too few repetitions or stored runs: reported, never gates
  shown,          // not gated by the family's rule (sync rows, rows without a reference)
  only_baseline,  // benchmark vanished from the current run
  only_current,   // new benchmark
  no_data,        // the metric is missing on one side
};
const char* to_string(Verdict v);

struct TimingRow {
  std::string benchmark;
  std::string metric;  // what the row is judged on
  std::string rule;    // why that metric, and why it is not gated when it is not
  // File mode: repetitions per side. History mode: n_baseline = stored runs with the row.
  std::size_t n_baseline = 0, n_current = 0;
  // History: the location of the stored runs' values and the current run's
  // value, each run's value being `statistic` of its repetitions.
  double median_baseline = 0, median_current = 0;
  Statistic statistic = Statistic::median;
  double change_pct = 0;  // history: after removing a whole-run shift
  double spread_pct = 0;  // history: run-to-run spread used, percent of the location
  double p_value = 1;     // file: U test; history: Holm-adjusted
  bool exact = false;
  Verdict verdict = Verdict::same;
};

// A deterministic counter of one benchmark (syncs_per_flip, ...), or int3 hits (shown only).
struct ExactRow {
  std::string benchmark, counter;
  double baseline = 0, current = 0;
  bool gated = true;
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
  std::int64_t violations = 0, lock_inversions = 0;  // a scenario's own oracle; the lock-order checker
  bool gates = false;
  std::string reason;       // why it gates, or what it shows
  std::int64_t errors = 0;  // matrix cells whose trial could not be judged (ERROR)
};

enum class GateMode {
  files,    // one document against another: a U test over one process's repetitions
  history,  // against stored runs: each run one sample (run_model.hpp)
};

struct RegressReport {
  GateOptions options;
  GateMode mode = GateMode::files;
  std::size_t baseline_runs = 1;
  // History: the median change of every timing row with data (references
  // included); when most rows moved together it is reported once and removed.
  double run_shift_pct = 0;
  bool host_shift = false;
  std::string baseline_origin, current_origin;
  Context baseline_context, current_context;
  std::vector<TimingRow> timings;
  std::vector<InsnsRow> insns;
  std::vector<ExactRow> exact;
  std::vector<CorrectnessRow> correctness;
  std::vector<std::string> notes;  // e.g. "no correctness data in the current run"

  std::size_t timing_regressions() const;
  std::size_t insns_regressions() const;  // more (regression) or fewer (changed) instructions
  std::size_t exact_changes() const;
  std::size_t correctness_failures() const;
  bool gated() const {
    return timing_regressions() + insns_regressions() + exact_changes() + correctness_failures() > 0;
  }
  int exit_code() const { return gated() ? 1 : 0; }
};

// One document against another (a file, or one stored run).
RegressReport regress(const ResultDocument& baseline, const ResultDocument& current, const GateOptions& options);
// Against stored runs of the same host, oldest first; the newest one's exact
// counts and instruction counts are the baseline of those. `baseline_origin`
// names the runs in the output (e.g. the selector and its run ids); empty:
// the newest run's origin.
RegressReport regress_history(const std::vector<ResultDocument>& runs, const ResultDocument& current,
                              const GateOptions& options, const std::string& baseline_origin = {});

// All three end with one greppable "verdict: OK ..." / "verdict: REGRESSION ..." line (text, markdown).
std::string format_text(const RegressReport& report);
std::string format_markdown(const RegressReport& report);
nlohmann::json format_json(const RegressReport& report);

// The samples of one benchmark in the gate's metric; empty when the metric is absent.
std::vector<double> metric_values(const ResultDocument& doc, const std::string& benchmark, const std::string& metric);
// The same over one benchmark's rows (RowsByBenchmark, regress_internal.hpp).
std::vector<double> metric_values(const SampleRows& rows, const std::string& metric);
double median(std::vector<double> values);

}  // namespace pokebench::results
