// The regression gate's decisions: exact counts and correctness here, timings
// in regress_timing.cpp, formatting in regress_format.cpp.
#include "regress_internal.hpp"

#include <pokebench/support/names.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

namespace pokebench::results {

constexpr std::pair<Verdict, const char*> kVerdictNames[] = {
    {Verdict::same, "same"},        {Verdict::regression, "REGRESSION"}, {Verdict::improvement, "improvement"},
    {Verdict::changed, "CHANGED"},  {Verdict::unreliable, "unreliable"}, {Verdict::only_baseline, "only-baseline"},
    {Verdict::only_current, "new"}, {Verdict::no_data, "no-data"},       {Verdict::shown, "shown"}};

const char* to_string(Verdict v) { return support::name_of(kVerdictNames, v); }

std::size_t RegressReport::timing_regressions() const {
  return static_cast<std::size_t>(std::count_if(timings.begin(), timings.end(),
                                                [](const TimingRow& r) { return r.verdict == Verdict::regression; }));
}
std::size_t RegressReport::insns_regressions() const {
  return static_cast<std::size_t>(std::count_if(insns.begin(), insns.end(), [](const InsnsRow& r) {
    return r.verdict == Verdict::regression || r.verdict == Verdict::changed;
  }));
}
std::size_t RegressReport::exact_changes() const {
  return static_cast<std::size_t>(std::count_if(exact.begin(), exact.end(), [](const ExactRow& r) {
    return r.gated && (r.verdict == Verdict::regression || r.verdict == Verdict::changed);
  }));
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

namespace {

void push_metric(const Sample& s, const std::string& metric, std::vector<double>& out) {
  if (metric == "real_time") {
    out.push_back(s.real_time_ns);
  } else if (metric == "cpu_time") {
    out.push_back(s.cpu_time_ns);
  } else if (auto it = s.counters.find(metric); it != s.counters.end()) {
    out.push_back(it->second);
  }
}

}  // namespace

std::vector<double> metric_values(const ResultDocument& doc, const std::string& benchmark, const std::string& metric) {
  std::vector<double> out;
  for (const Sample& s : doc.samples)
    if (s.benchmark == benchmark) push_metric(s, metric, out);
  return out;
}

std::vector<double> metric_values(const SampleRows& rows, const std::string& metric) {
  std::vector<double> out;
  out.reserve(rows.size());
  for (const Sample* s : rows) push_metric(*s, metric, out);
  return out;
}

void validate_metric(const std::string& metric, const std::vector<std::string>& known) {
  if (metric.empty() || std::find(known.begin(), known.end(), metric) != known.end()) return;
  throw InputError("--metric", metric.empty() ? "''" : metric,
                   fmt::format("unknown metric (known here: {}; or leave it out for each family's default)",
                               fmt::join(known, ", ")));
}

namespace detail {

double change_pct(double baseline, double current) {
  if (baseline == 0) return current == 0 ? 0.0 : std::copysign(INFINITY, current);
  return (current - baseline) / std::fabs(baseline) * 100.0;
}

bool has_benchmark(const ResultDocument& doc, const std::string& name) {
  return std::any_of(doc.samples.begin(), doc.samples.end(), [&](const Sample& s) { return s.benchmark == name; });
}

RowsByBenchmark::RowsByBenchmark(const ResultDocument& doc) {
  for (const Sample& s : doc.samples) rows_[s.benchmark].push_back(&s);
}

const SampleRows& RowsByBenchmark::operator[](const std::string& benchmark) const {
  const auto it = rows_.find(benchmark);
  return it == rows_.end() ? none_ : it->second;
}

std::vector<std::string> benchmark_names(const std::vector<const ResultDocument*>& baseline,
                                         const ResultDocument& current) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  std::vector<const ResultDocument*> docs{&current};
  docs.insert(docs.end(), baseline.rbegin(), baseline.rend());
  for (const auto* doc : docs)
    for (const Sample& s : doc->samples)
      if (seen.insert(s.benchmark).second) names.push_back(s.benchmark);
  return names;
}

}  // namespace detail

namespace {

using detail::change_pct;

// Exact counts move only when the code does: any change beyond the threshold
// (0 by default: beyond rounding) gates, either way.
Verdict judge_exact(double baseline, double current, double threshold_pct) {
  const double tolerance =
      std::max(threshold_pct / 100 * std::fabs(baseline), 1e-9 * std::max(1.0, std::fabs(baseline)));
  if (current - baseline > tolerance) return Verdict::regression;
  if (baseline - current > tolerance) return Verdict::changed;
  return Verdict::same;
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
      // Fewer instructions gate too: the code under test changed (or the measured
      // body was optimised away), and a baseline only moves when someone says so.
      row.verdict = judge_exact(row.baseline, row.current, o.insns_threshold_pct);
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

// Exact user counters (metric.hpp) per benchmark, plus int3 hits shown beside them.
std::vector<ExactRow> compare_exact(const ResultDocument& baseline, const ResultDocument& current, const GateOptions& o,
                                    std::vector<std::string>& notes) {
  // benchmark -> counter -> values, in the order the current run has them.
  using Values = std::map<std::string, std::vector<double>>;
  auto collect = [](const ResultDocument& doc, std::vector<std::string>* order) {
    std::map<std::string, Values> out;
    for (const Sample& s : doc.samples)
      for (const auto& [name, value] : s.counters) {
        if (!is_exact_counter(name) && name != "int3_hits") continue;
        if (order && !out.contains(s.benchmark)) order->push_back(s.benchmark);
        out[s.benchmark][name].push_back(value);
      }
    return out;
  };
  std::vector<std::string> order;
  const auto cur = collect(current, &order);
  const auto base = collect(baseline, nullptr);
  std::vector<ExactRow> rows;
  for (const std::string& bench : order) {
    for (const auto& [counter, values] : cur.at(bench)) {
      ExactRow row{bench, counter, 0, median(values), is_exact_counter(counter), Verdict::same};
      const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
      if (row.gated && *lo != *hi)
        notes.push_back(
            fmt::format("{} {} differs between repetitions ({:.6g} to {:.6g}): not deterministic, the "
                        "median is gated",
                        bench, counter, *lo, *hi));
      const auto b = base.find(bench);
      const auto bc = b == base.end() ? nullptr : &b->second;
      if (!bc || !bc->contains(counter)) {
        row.verdict = Verdict::only_current;
      } else {
        row.baseline = median(bc->at(counter));
        row.verdict = row.gated ? judge_exact(row.baseline, row.current, o.insns_threshold_pct) : Verdict::shown;
      }
      rows.push_back(row);
    }
  }
  return rows;
}

// What every oracle counted against a row: hangs, torn reads, the
// scenario's own violations and the lock-order checker's inversions (a
// negative count, which the reader lets through, hides none of the others).
std::int64_t failures_of(const CorrectnessRow& row) {
  std::int64_t n = 0;
  for (const std::int64_t c : {row.hangs, row.torn_reads, row.violations, row.lock_inversions})
    n += std::max<std::int64_t>(c, 0);
  return n;
}

// One torture cell's counts into a matrix row. A verdict with no count still
// counts once (HANG a hang, TORN a torn read, FAIL a violation): the verdict
// is the oracle's word.
void add_cell(CorrectnessRow& row, const MatrixCell& cell) {
  row.trials += cell.trials;
  row.hangs += std::max<std::int64_t>(cell.hangs, cell.verdict == "HANG" ? 1 : 0);
  row.torn_reads += std::max<std::int64_t>(cell.torn_reads, cell.verdict == "TORN" ? 1 : 0);
  const bool counted = cell.violations > 0 || cell.lock_inversions > 0;
  row.violations += cell.violations + (cell.verdict == "FAIL" && !counted ? 1 : 0);
  row.lock_inversions += cell.lock_inversions;
  row.errors += cell.verdict == "ERROR" ? 1 : 0;
}

// Whether a fix is expected is the document's word: `is_fix` of a compare row,
// `expected_ok` of a torture cell. Documents older than those fields say nothing.
void judge_correctness(const ResultDocument& current, RegressReport& report) {
  std::vector<CorrectnessRow> rows;
  std::vector<std::optional<bool>> fix;  // per row: must it hold?
  std::map<std::string, bool> compare_fix;
  for (const StrategyCorrectness& sc : current.correctness) {
    CorrectnessRow& row = rows.emplace_back();
    row.strategy = sc.strategy;
    row.scope = sc.direction;
    row.trials = sc.counts.trials;
    row.hangs = sc.counts.hangs;
    row.torn_reads = sc.counts.torn_reads;
    row.violations = sc.counts.violations;
    row.lock_inversions = sc.counts.lock_inversions;
    fix.push_back(sc.is_fix);
    if (sc.is_fix) compare_fix[sc.strategy] = *sc.is_fix;
  }
  std::map<std::string, std::size_t> matrix_row;
  for (const MatrixCell& cell : current.matrix) {
    auto [it, fresh] = matrix_row.try_emplace(cell.strategy, rows.size());
    if (fresh) {
      CorrectnessRow& row = rows.emplace_back();
      row.strategy = cell.strategy;
      row.scope = "matrix";
      fix.push_back(std::nullopt);
    }
    CorrectnessRow& row = rows[it->second];
    std::optional<bool>& must_hold = fix[it->second];
    // A cell without expected_ok (an older torture file): the same run's compare row decides.
    std::optional<bool> expected = cell.expected_ok;
    if (!expected && compare_fix.contains(cell.strategy)) expected = compare_fix[cell.strategy];
    if (expected) must_hold = must_hold.value_or(false) || *expected;
    if (!expected.value_or(false)) continue;  // cells allowed to hang do not count against a fix
    add_cell(row, cell);
  }
  // Matrix rows of strategies no cell expects to hold count every cell, as shown.
  for (const auto& [strategy, index] : matrix_row) {
    if (fix[index].value_or(false)) continue;
    for (const MatrixCell& cell : current.matrix) {
      if (cell.strategy != strategy) continue;
      add_cell(rows[index], cell);
    }
  }

  // The known bug fails by any oracle: slub's by a hang, a hotplug
  // scenario's by its own oracle or the lock-order checker.
  const std::string bug = known_bug_of(current);
  const bool slub = bug == kBugStrategy && current.scenario == kDefaultScenario;
  std::int64_t bug_trials = 0, bug_failures = 0;
  bool bug_seen = false, unknown = false;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    CorrectnessRow& row = rows[k];
    if (fix[k].value_or(false)) {
      if (row.scope == "none" || row.trials == 0) {
        row.gates = true;
        row.reason = fmt::format("fix strategy '{}' {}: no trials ran, so it is not shown to hold", row.strategy,
                                 row.scope == "none" ? "has no correctness data" : row.scope);
      } else if (failures_of(row) > 0 || row.errors > 0) {
        // An unjudged cell gates too: a fix is only shown correct by trials that ran.
        row.gates = true;
        row.reason = fmt::format(
            "fix strategy '{}' {}: {} hang(s), {} torn read(s){}{} in {} trials", row.strategy, row.scope, row.hangs,
            row.torn_reads,
            row.violations > 0 || row.lock_inversions > 0
                ? fmt::format(", {} violation(s), {} lock inversion(s)", row.violations, row.lock_inversions)
                : "",
            row.errors > 0 ? fmt::format(", {} cell(s) in ERROR", row.errors) : "", row.trials);
      } else {
        row.reason = "holds";
      }
    } else if (!bug.empty() && row.strategy == bug) {
      bug_seen = true;
      bug_trials += row.trials;
      const std::int64_t failures = failures_of(row);
      bug_failures += failures;
      row.reason = failures > 0 ? (slub ? "v4.12 bug reproduced" : "known bug reproduced")
                                : (slub ? "no hang here" : "no failure here");
    } else if (!fix[k]) {
      unknown = true;
      row.reason = "not gated: the document does not say whether it is a fix (no is_fix / expected_ok)";
    } else {
      row.reason = "not gated (not a fix)";
    }
  }
  if (bug_seen && bug_failures == 0) {
    // The harness lost its teeth: the strategy known to fail no longer does anywhere.
    for (CorrectnessRow& row : rows) {
      if (row.strategy != bug) continue;
      row.gates = true;
      row.reason = slub ? fmt::format(
                              "v4.12 '{}' no longer reproduces its hang ({} trials in total): the harness lost its "
                              "teeth",
                              bug, bug_trials)
                        : fmt::format(
                              "known bug '{}' of {} no longer fails (no hang, torn read, violation or lock "
                              "inversion in {} trials in total): the harness lost its teeth",
                              bug, current.scenario, bug_trials);
    }
  }
  if (rows.empty())
    report.notes.push_back("the current run has no correctness data (compare / torture): not gated");
  else if (bug.empty())
    report.notes.push_back(fmt::format(
        "the current run does not name {}'s known bug (compare writes it since its schema 7): whether it still "
        "fails is not checked",
        current.scenario));
  else if (!bug_seen)
    report.notes.push_back(slub ? std::string("the current run has no per-site (v4.12) data: its hang is not checked")
                                : fmt::format("the current run has no data of {}'s known bug '{}': it is not checked",
                                              current.scenario, bug));
  if (unknown)
    report.notes.push_back(
        "correctness rows without is_fix / expected_ok (a document written before schema_version "
        "2) are shown, not gated: rerun compare / torture with this pokebench");
  report.correctness = std::move(rows);
}

void common_notes(const ResultDocument& baseline, const ResultDocument& current, RegressReport& report) {
  if (!baseline.context.host.empty() && !current.context.host.empty() && baseline.context.host != current.context.host)
    report.notes.push_back(fmt::format("baseline ran on '{}', current on '{}': timings across machines mean little",
                                       baseline.context.host, current.context.host));
  if (baseline.scenario != current.scenario)
    report.notes.push_back(
        fmt::format("baseline scenario '{}', current '{}': the correctness data are about "
                    "different bugs",
                    baseline.scenario, current.scenario));
  if (report.timings.empty() && report.insns.empty())
    report.notes.push_back("no benchmark rows and no instruction counts on either side: nothing timed was compared");
}

RegressReport start_report(const ResultDocument& baseline, const ResultDocument& current, const GateOptions& o) {
  RegressReport report;
  report.options = o;
  report.baseline_origin = baseline.origin;
  report.current_origin = current.origin;
  report.baseline_context = baseline.context;
  report.current_context = current.context;
  return report;
}

void judge_counts(const ResultDocument& baseline, const ResultDocument& current, RegressReport& report) {
  report.insns = compare_insns(baseline, current, report.options);
  report.exact = compare_exact(baseline, current, report.options, report.notes);
  judge_correctness(current, report);
  common_notes(baseline, current, report);
}

}  // namespace

RegressReport regress(const ResultDocument& baseline, const ResultDocument& current, const GateOptions& options) {
  RegressReport report = start_report(baseline, current, options);
  report.mode = GateMode::files;
  const detail::RowsByBenchmark base_rows(baseline), cur_rows(current);
  for (const std::string& name : detail::benchmark_names({&baseline}, current))
    report.timings.push_back(detail::compare_timing_files(name, base_rows[name], cur_rows[name], options));
  judge_counts(baseline, current, report);
  return report;
}

RegressReport regress_history(const std::vector<ResultDocument>& runs, const ResultDocument& current,
                              const GateOptions& options, const std::string& baseline_origin) {
  if (runs.empty()) throw std::invalid_argument("regress_history needs at least one stored run");
  RegressReport report = start_report(runs.back(), current, options);
  if (!baseline_origin.empty()) report.baseline_origin = baseline_origin;
  report.mode = GateMode::history;
  report.baseline_runs = runs.size();
  detail::compare_timings_history(runs, current, report);
  judge_counts(runs.back(), current, report);
  if (static_cast<int>(runs.size()) < options.min_runs)
    report.notes.push_back(
        fmt::format("{} stored run(s): timings are shown, not gated, until the history holds {} "
                    "runs of this host (exact counts and correctness gate already)",
                    runs.size(), options.min_runs));
  return report;
}

}  // namespace pokebench::results
