// Timing rows of the gate: one document against another (a U test over the
// repetitions of one process each), or a run against stored runs (each run one
// sample, run_model.hpp), with the whole-run shift removed and Holm's correction.
#include "regress_internal.hpp"

#include <pokebench/results/mann_whitney.hpp>
#include <pokebench/results/run_model.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace pokebench::results::detail {

MetricChoice choose_metric(const SampleRows& current, const std::string& benchmark, const GateOptions& o) {
  if (o.metric.empty()) return default_metric(current, benchmark);
  if (family_of(benchmark) == Family::sync)
    return {o.metric, false, "environment: shown, gated only in A/B (pokebench ab)"};
  return {o.metric, true, "--metric " + o.metric, statistic_of(benchmark)};
}

TimingRow compare_timing_files(const std::string& name, const SampleRows& baseline, const SampleRows& current,
                               const GateOptions& o) {
  const MetricChoice choice = choose_metric(current, name, o);
  TimingRow row;
  row.benchmark = name;
  row.metric = choice.metric;
  row.rule = choice.why;
  const std::vector<double> a = metric_values(baseline, row.metric);
  const std::vector<double> b = metric_values(current, row.metric);
  row.n_baseline = a.size();
  row.n_current = b.size();
  if (current.empty()) {
    row.verdict = Verdict::only_baseline;
    row.median_baseline = median(a);
    return row;
  }
  if (baseline.empty()) {
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
  if (!choice.gated) {
    row.verdict = Verdict::shown;
  } else if (static_cast<int>(a.size()) < o.min_repetitions || static_cast<int>(b.size()) < o.min_repetitions) {
    row.verdict = Verdict::unreliable;
    row.rule = fmt::format("fewer than {} repetitions on a side; run with --benchmark_repetitions={} or more",
                           o.min_repetitions, o.min_repetitions);
  } else if (row.p_value < o.alpha && row.change_pct >= o.min_change_pct) {
    row.verdict = Verdict::regression;  // every metric we gate on is "lower is better"
  } else if (row.p_value < o.alpha && row.change_pct <= -o.min_change_pct) {
    row.verdict = Verdict::improvement;
  }
  return row;
}

namespace {

struct Candidate {
  std::size_t row;
  RunSpread model;
};

// The median ratio current / location over every row with data, and whether
// most rows moved that way together: then the host, not the code, moved.
bool whole_run_shift(const std::vector<TimingRow>& rows, const GateOptions& o, double& factor) {
  std::vector<double> ratios;
  for (const TimingRow& r : rows)
    if ((r.verdict == Verdict::same || r.verdict == Verdict::shown) && r.median_baseline > 0 && r.median_current > 0)
      ratios.push_back(r.median_current / r.median_baseline);
  factor = ratios.empty() ? 1.0 : median(ratios);
  if (ratios.size() < 3 || std::fabs(factor - 1) * 100 < o.min_change_pct) return false;
  const double half = o.min_change_pct / 200;
  const auto together = std::count_if(ratios.begin(), ratios.end(),
                                      [&](double q) { return (q - 1) * (factor - 1) > 0 && std::fabs(q - 1) >= half; });
  return static_cast<std::size_t>(together) * 3 >= ratios.size() * 2;
}

}  // namespace

void compare_timings_history(const std::vector<ResultDocument>& runs, const ResultDocument& current,
                             RegressReport& report) {
  const GateOptions& o = report.options;
  std::vector<const ResultDocument*> run_ptrs;
  for (const ResultDocument& r : runs) run_ptrs.push_back(&r);
  std::vector<Candidate> candidates;
  const RowsByBenchmark cur_rows(current);
  std::vector<RowsByBenchmark> run_rows;
  run_rows.reserve(runs.size());
  for (const ResultDocument& r : runs) run_rows.emplace_back(r);
  for (const std::string& name : benchmark_names(run_ptrs, current)) {
    const SampleRows& cur_doc = cur_rows[name];
    const MetricChoice choice = choose_metric(cur_doc, name, o);
    TimingRow row;
    row.benchmark = name;
    row.metric = choice.metric;
    row.rule = choice.why;
    row.statistic = choice.statistic;
    std::vector<double> run_values;
    bool in_history = false;
    for (const RowsByBenchmark& rows : run_rows) {
      const SampleRows& r = rows[name];
      in_history = in_history || !r.empty();
      const std::vector<double> v = metric_values(r, row.metric);
      if (!v.empty()) run_values.push_back(run_value(choice.statistic, v));
    }
    const RunSpread model = run_spread(run_values);
    const std::vector<double> cur = metric_values(cur_doc, row.metric);
    row.n_baseline = model.runs;
    row.n_current = cur.size();
    row.median_baseline = model.location;
    row.median_current = run_value(choice.statistic, cur);
    if (cur_doc.empty()) {
      row.verdict = Verdict::only_baseline;
    } else if (!in_history) {
      row.verdict = Verdict::only_current;
    } else if (cur.empty() || run_values.empty()) {
      row.verdict = Verdict::no_data;
    } else {
      row.change_pct = change_pct(model.location, row.median_current);
      row.spread_pct = model.location != 0 ? model.spread / std::fabs(model.location) * 100 : 0;
      if (static_cast<int>(model.runs) < o.min_runs) {
        row.verdict = Verdict::unreliable;
        row.rule = fmt::format("{} stored run(s) with this row, the run model needs {}", model.runs, o.min_runs);
      } else if (!choice.gated) {
        row.verdict = Verdict::shown;
      } else {
        candidates.push_back({report.timings.size(), model});
      }
    }
    report.timings.push_back(std::move(row));
  }

  double factor = 1;
  report.host_shift = whole_run_shift(report.timings, o, factor);
  report.run_shift_pct = (factor - 1) * 100;
  if (!report.host_shift) factor = 1;
  std::vector<double> p;
  for (const Candidate& c : candidates) {
    TimingRow& row = report.timings[c.row];
    const double value = row.median_current / factor;
    row.change_pct = change_pct(c.model.location, value);
    // The spread of one new run around the location: the model's scale, floored
    // (five runs can agree by chance), widened by the location's own uncertainty.
    const double floor_pct =
        row.metric == kReferenceCounter ? std::max(o.min_spread_pct, o.min_spread_ref_pct) : o.min_spread_pct;
    const double scale = std::max(c.model.spread, floor_pct / 100 * std::fabs(c.model.location));
    row.spread_pct = scale / std::fabs(c.model.location) * 100;
    const double z = (value - c.model.location) / (scale * std::sqrt(1 + 1.0 / static_cast<double>(c.model.runs)));
    p.push_back(normal_two_sided_p(z));
  }
  const std::vector<double> adjusted = holm_adjust(p);
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    TimingRow& row = report.timings[candidates[k].row];
    row.p_value = adjusted[k];
    if (row.p_value < o.alpha && row.change_pct >= o.min_change_pct)
      row.verdict = Verdict::regression;
    else if (row.p_value < o.alpha && row.change_pct <= -o.min_change_pct)
      row.verdict = Verdict::improvement;
  }
}

}  // namespace pokebench::results::detail
