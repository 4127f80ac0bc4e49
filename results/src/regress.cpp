// The regression gate's decisions. Formatting lives in regress_format.cpp.
#include <pokebench/results/regress.hpp>

#include <pokebench/results/mann_whitney.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace pokebench::results {

const char* to_string(Verdict v) {
  switch (v) {
  case Verdict::same: return "same";
  case Verdict::regression: return "REGRESSION";
  case Verdict::improvement: return "improvement";
  case Verdict::changed: return "CHANGED";
  case Verdict::unreliable: return "unreliable";
  case Verdict::only_baseline: return "only-baseline";
  case Verdict::only_current: return "new";
  case Verdict::no_data: return "no-data";
  }
  return "?";
}

std::size_t RegressReport::timing_regressions() const {
  return static_cast<std::size_t>(std::count_if(timings.begin(), timings.end(),
                                                [](const TimingRow& r) { return r.verdict == Verdict::regression; }));
}
std::size_t RegressReport::insns_regressions() const {
  return static_cast<std::size_t>(
      std::count_if(insns.begin(), insns.end(),
                    [](const InsnsRow& r) { return r.verdict == Verdict::regression || r.verdict == Verdict::changed; }));
}
std::size_t RegressReport::correctness_failures() const {
  return static_cast<std::size_t>(
      std::count_if(correctness.begin(), correctness.end(), [](const CorrectnessRow& r) { return r.gates; }));
}

double median(std::vector<double> values) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

std::vector<double> metric_values(const ResultDocument& doc, const std::string& benchmark, const std::string& metric) {
  std::vector<double> out;
  for (const Sample& s : doc.samples) {
    if (s.benchmark != benchmark) continue;
    if (metric == "real_time") {
      out.push_back(s.real_time_ns);
    } else if (metric == "cpu_time") {
      out.push_back(s.cpu_time_ns);
    } else if (auto it = s.counters.find(metric); it != s.counters.end()) {
      out.push_back(it->second);
    }
  }
  return out;
}

namespace {

double change_pct(double baseline, double current) {
  if (baseline == 0) return current == 0 ? 0.0 : std::copysign(INFINITY, current);
  return (current - baseline) / std::fabs(baseline) * 100.0;
}

// Benchmarks in the order the current run has them, then those only the baseline has.
std::vector<std::string> benchmark_names(const ResultDocument& baseline, const ResultDocument& current) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto* doc : {&current, &baseline})
    for (const Sample& s : doc->samples)
      if (seen.insert(s.benchmark).second) names.push_back(s.benchmark);
  return names;
}

TimingRow compare_timing(const std::string& name, const ResultDocument& baseline, const ResultDocument& current,
                         const GateOptions& o) {
  TimingRow row;
  row.benchmark = name;
  const std::vector<double> a = metric_values(baseline, name, o.metric);
  const std::vector<double> b = metric_values(current, name, o.metric);
  row.n_baseline = a.size();
  row.n_current = b.size();
  const bool in_baseline = std::any_of(baseline.samples.begin(), baseline.samples.end(),
                                       [&](const Sample& s) { return s.benchmark == name; });
  const bool in_current = std::any_of(current.samples.begin(), current.samples.end(),
                                      [&](const Sample& s) { return s.benchmark == name; });
  if (!in_current) {
    row.verdict = Verdict::only_baseline;
    row.median_baseline = median(a);
    return row;
  }
  if (!in_baseline) {
    row.verdict = Verdict::only_current;
    row.median_current = median(b);
    return row;
  }
  if (a.empty() || b.empty()) {
    row.verdict = Verdict::no_data;
    return row;
  }
  row.median_baseline = median(a);
  row.median_current = median(b);
  row.change_pct = change_pct(row.median_baseline, row.median_current);
  const UTestResult u = mann_whitney_u(a, b);
  row.p_value = u.p_value;
  row.exact = u.exact;
  if (static_cast<int>(a.size()) < o.min_repetitions || static_cast<int>(b.size()) < o.min_repetitions) {
    row.verdict = Verdict::unreliable;
  } else if (row.p_value < o.alpha && row.change_pct >= o.min_change_pct) {
    row.verdict = Verdict::regression;  // every metric we gate on is "lower is better"
  } else if (row.p_value < o.alpha && row.change_pct <= -o.min_change_pct) {
    row.verdict = Verdict::improvement;
  }
  return row;
}

std::vector<InsnsRow> compare_insns(const ResultDocument& baseline, const ResultDocument& current,
                                    const GateOptions& o) {
  std::map<std::string, double> base;
  for (const InsnsCount& i : baseline.insns) base[i.benchmark] = i.insns_per_iter;
  std::vector<InsnsRow> rows;
  std::set<std::string> seen;
  for (const InsnsCount& i : current.insns) {
    if (!seen.insert(i.benchmark).second) continue;
    InsnsRow row;
    row.benchmark = i.benchmark;
    row.current = i.insns_per_iter;
    auto it = base.find(i.benchmark);
    if (it == base.end()) {
      row.verdict = Verdict::only_current;
    } else {
      row.baseline = it->second;
      row.change_pct = change_pct(row.baseline, row.current);
      // Exact counts, no statistics: any change beyond the threshold gates. Fewer
      // instructions gate too: the code under test changed (or the measured body
      // was optimised away), and a baseline only moves when someone says so.
      if (row.change_pct > o.insns_threshold_pct) row.verdict = Verdict::regression;
      else if (row.change_pct < -o.insns_threshold_pct) row.verdict = Verdict::changed;
    }
    rows.push_back(row);
  }
  for (const auto& [name, count] : base) {
    if (seen.contains(name)) continue;
    InsnsRow row;
    row.benchmark = name;
    row.baseline = count;
    row.verdict = Verdict::only_baseline;
    rows.push_back(row);
  }
  return rows;
}

void judge_correctness(const ResultDocument& current, RegressReport& report) {
  // Fix strategies: one row per compare direction plus one for all their torture cells.
  std::vector<CorrectnessRow> rows;
  for (const StrategyCorrectness& sc : current.correctness) {
    CorrectnessRow row{sc.strategy, sc.direction, sc.counts.trials, sc.counts.hangs, sc.counts.torn_reads, false, ""};
    rows.push_back(row);
  }
  std::map<std::string, CorrectnessRow> matrix;
  std::vector<std::string> matrix_order;
  for (const MatrixCell& cell : current.matrix) {
    auto [it, fresh] = matrix.try_emplace(cell.strategy, CorrectnessRow{cell.strategy, "matrix", 0, 0, 0, false, ""});
    if (fresh) matrix_order.push_back(cell.strategy);
    it->second.trials += cell.trials;
    // A HANG verdict with no count still counts once: the verdict is the oracle's word.
    it->second.hangs += std::max<std::int64_t>(cell.hangs, cell.verdict == "HANG" ? 1 : 0);
    it->second.torn_reads += std::max<std::int64_t>(cell.torn_reads, cell.verdict == "TORN" ? 1 : 0);
    it->second.errors += cell.verdict == "ERROR" ? 1 : 0;
  }
  for (const auto& name : matrix_order) rows.push_back(matrix[name]);

  std::int64_t bug_trials = 0, bug_hangs = 0;
  bool bug_seen = false;
  for (CorrectnessRow& row : rows) {
    if (is_fix_strategy(row.strategy)) {
      if (row.hangs > 0 || row.torn_reads > 0 || row.errors > 0) {
        // An unjudged cell gates too: a fix is only shown correct by trials that ran.
        row.gates = true;
        row.reason = fmt::format("fix strategy '{}' {}: {} hang(s), {} torn read(s){} in {} trials", row.strategy,
                                 row.scope, row.hangs, row.torn_reads,
                                 row.errors > 0 ? fmt::format(", {} cell(s) in ERROR", row.errors) : "", row.trials);
      } else {
        row.reason = "holds";
      }
    } else if (row.strategy == kBugStrategy) {
      bug_seen = true;
      bug_trials += row.trials;
      bug_hangs += row.hangs;
      row.reason = row.hangs > 0 ? "v4.12 bug reproduced" : "no hang here";
    } else {
      row.reason = "not gated";  // batched: the v4.12 reader under another patching scheme
    }
  }
  if (bug_seen && bug_hangs == 0) {
    // The harness lost its teeth: the strategy known to hang no longer does anywhere.
    for (CorrectnessRow& row : rows) {
      if (row.strategy != kBugStrategy) continue;
      row.gates = true;
      row.reason = fmt::format("v4.12 '{}' no longer reproduces its hang ({} trials in total): the harness lost its teeth",
                               kBugStrategy, bug_trials);
    }
  }
  if (rows.empty()) report.notes.push_back("the current run has no correctness data (compare / torture): not gated");
  else if (!bug_seen) report.notes.push_back("the current run has no per-site (v4.12) data: its hang is not checked");
  report.correctness = std::move(rows);
}

} // namespace

RegressReport regress(const ResultDocument& baseline, const ResultDocument& current, const GateOptions& options) {
  RegressReport report;
  report.options = options;
  report.baseline_origin = baseline.origin;
  report.current_origin = current.origin;
  report.baseline_context = baseline.context;
  report.current_context = current.context;
  for (const std::string& name : benchmark_names(baseline, current))
    report.timings.push_back(compare_timing(name, baseline, current, options));
  report.insns = compare_insns(baseline, current, options);
  judge_correctness(current, report);
  if (!baseline.context.host.empty() && !current.context.host.empty() &&
      baseline.context.host != current.context.host)
    report.notes.push_back(fmt::format("baseline ran on '{}', current on '{}': timings across machines mean little",
                                       baseline.context.host, current.context.host));
  if (report.timings.empty() && report.insns.empty())
    report.notes.push_back("no benchmark rows and no instruction counts on either side: nothing timed was compared");
  return report;
}

} // namespace pokebench::results
