// Text, Markdown and JSON renderings of a regression report.
#include <pokebench/results/regress.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace pokebench::results {

namespace {

// A correctness row's counts by their key in the JSON report, in its order.
constexpr std::pair<const char*, std::int64_t CorrectnessRow::*> kCorrectnessCounts[] = {
    {"trials", &CorrectnessRow::trials},
    {"hangs", &CorrectnessRow::hangs},
    {"torn_reads", &CorrectnessRow::torn_reads},
    {"violations", &CorrectnessRow::violations},
    {"lock_inversions", &CorrectnessRow::lock_inversions}};

// Whether a scenario's own oracle or the lock-order checker counted anything:
// only then do the correctness tables show their columns.
bool has_oracle_counts(const RegressReport& r) {
  return std::any_of(r.correctness.begin(), r.correctness.end(),
                     [](const CorrectnessRow& c) { return c.violations > 0 || c.lock_inversions > 0; });
}

bool is_time_metric(const std::string& metric) { return metric == "real_time" || metric == "cpu_time"; }

std::string format_value(double v, const std::string& metric) {
  if (std::isnan(v)) return "-";
  if (!is_time_metric(metric)) return fmt::format("{:.4g}", v);
  const double a = std::fabs(v);
  if (a < 1e3) return fmt::format("{:.4g} ns", v);
  if (a < 1e6) return fmt::format("{:.4g} us", v / 1e3);
  if (a < 1e9) return fmt::format("{:.4g} ms", v / 1e6);
  return fmt::format("{:.4g} s", v / 1e9);
}

std::string format_change(double pct) {
  if (std::isinf(pct)) return pct > 0 ? "+inf%" : "-inf%";
  if (std::fabs(pct) < 0.05) pct = 0;  // no "-0.0%"
  return fmt::format("{:+.1f}%", pct);
}

bool has_comparison(Verdict v) {
  return v == Verdict::same || v == Verdict::regression || v == Verdict::improvement || v == Verdict::unreliable ||
         v == Verdict::changed || v == Verdict::shown;
}

bool gates(Verdict v) { return v == Verdict::regression || v == Verdict::changed; }

// Short marker in front of each row: the eye finds regressions without reading.
const char* marker(Verdict v) {
  if (gates(v)) return "!!";
  if (v == Verdict::improvement) return "++";
  return v == Verdict::unreliable ? "??" : "  ";
}

std::string describe(const std::string& origin, const Context& c) {
  std::string out = origin.empty() ? "(unnamed)" : origin;
  std::vector<std::string> parts;
  if (!c.git_sha.empty()) parts.push_back("git " + c.git_sha.substr(0, 12));
  if (!c.host.empty()) parts.push_back("host " + c.host);
  if (!c.date.empty()) parts.push_back(c.date);
  if (!parts.empty()) out += fmt::format(" ({})", fmt::join(parts, ", "));
  return out;
}

std::string gate_description(const RegressReport& r) {
  const GateOptions& o = r.options;
  const std::string metric = o.metric.empty() ? "each family's metric (see the metric column)" : o.metric;
  std::string timing;
  if (r.mode == GateMode::history)
    timing = fmt::format(
        "against {} stored run(s), each run one sample: a row gates when the run's value of {} (the "
        "median of its repetitions; the fastest for loop off/on rows) leaves the run-to-run spread of "
        "the stored runs' values (median and MAD, floor {}%, {}% for ref_units rows; normal score, "
        "Holm-adjusted p < {} over all gated rows) AND moves >= {}%; needs >= {} stored runs; a "
        "shift of most rows together is reported once and removed",
        r.baseline_runs, metric, o.min_spread_pct, std::max(o.min_spread_pct, o.min_spread_ref_pct), o.alpha,
        o.min_change_pct, o.min_runs);
  else
    timing = fmt::format(
        "one document against another: median {} of every repetition, gates when two-sided "
        "Mann-Whitney U p < {} AND the median rises >= {}% (needs >= {} repetitions a side; the U "
        "test treats one process's repetitions as independent, so drift between processes is not "
        "modelled: prefer history:last=N)",
        metric, o.alpha, o.min_change_pct, o.min_repetitions);
  return fmt::format(
      "{}; exact counts (instructions, *_per_flip counters) gate on {} either way; a hang, torn read, "
      "violation or lock inversion of a strategy the document marks is_fix / expected_ok gates, so does the "
      "scenario's known bug (slub: per-site) no longer failing",
      timing,
      o.insns_threshold_pct > 0 ? fmt::format("a change above {}%", o.insns_threshold_pct) : std::string("any change"));
}

std::string verdict_line(const RegressReport& r) {
  std::size_t unreliable = 0;
  for (const TimingRow& t : r.timings) unreliable += t.verdict == Verdict::unreliable;
  const std::string shift = r.host_shift ? fmt::format(", this host ran {} ({:+.0f}% across most rows, not gated)",
                                                       r.run_shift_pct > 0 ? "slower" : "faster", r.run_shift_pct)
                                         : std::string();
  if (!r.gated())
    return fmt::format(
        "verdict: OK no regression ({} timings, {} unreliable, {} instruction counts, {} exact "
        "counters, {} correctness rows{})",
        r.timings.size(), unreliable, r.insns.size(), r.exact.size(), r.correctness.size(), shift);
  std::vector<std::string> what;
  for (const TimingRow& t : r.timings)
    if (t.verdict == Verdict::regression)
      what.push_back(fmt::format("{} {} {} (p={:.2g})", t.benchmark, t.metric, format_change(t.change_pct), t.p_value));
  for (const InsnsRow& i : r.insns)
    if (gates(i.verdict)) what.push_back(fmt::format("{} instructions {}", i.benchmark, format_change(i.change_pct)));
  for (const ExactRow& e : r.exact)
    if (e.gated && gates(e.verdict))
      what.push_back(fmt::format("{} {} {:.6g} -> {:.6g}", e.benchmark, e.counter, e.baseline, e.current));
  for (const CorrectnessRow& c : r.correctness)
    if (c.gates) what.push_back(fmt::format("{} {} correctness", c.strategy, c.scope));
  return fmt::format("verdict: REGRESSION {} timing, {} instruction count, {} exact counter, {} correctness{}: {}",
                     r.timing_regressions(), r.insns_regressions(), r.exact_changes(), r.correctness_failures(), shift,
                     fmt::join(what, "; "));
}

std::string exact_value(const ExactRow& e, bool baseline) {
  if (baseline && e.verdict == Verdict::only_current) return "-";
  return fmt::format("{:.6g}", baseline ? e.baseline : e.current);
}

std::string exact_verdict(const ExactRow& e) {
  if (!e.gated) return "shown (timing-dependent, never gated)";
  return to_string(e.verdict);
}

// The first lines of every rendering: the verdict, then what gated.
std::vector<std::string> headline(const RegressReport& r) {
  std::vector<std::string> out{verdict_line(r)};
  if (r.host_shift)
    out.push_back(
        fmt::format("this host ran {} than its stored runs: {:+.1f}% across most rows (references "
                    "included); reported once, removed before gating each row",
                    r.run_shift_pct > 0 ? "slower" : "faster", r.run_shift_pct));
  return out;
}

std::string n_base_label(const RegressReport& r) { return r.mode == GateMode::history ? "runs" : "n base"; }
std::string base_label(const RegressReport& r) { return r.mode == GateMode::history ? "stored" : "base median"; }
std::string cur_label(const RegressReport& r) { return r.mode == GateMode::history ? "current" : "cur median"; }
// The metric as the row is judged: in history mode, with how a run's repetitions are summarised.
std::string judged_on(const RegressReport& r, const TimingRow& t) {
  if (r.mode != GateMode::history || t.statistic == Statistic::median) return t.metric;
  return fmt::format("{} ({})", t.metric, to_string(t.statistic));
}

}  // namespace

std::string format_text(const RegressReport& r) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  line("pokebench regress");
  for (const std::string& h : headline(r)) line(h);
  line("  baseline: " + describe(r.baseline_origin, r.baseline_context));
  line("  current:  " + describe(r.current_origin, r.current_context));
  line("  gate:     " + gate_description(r));
  line("");
  if (!r.timings.empty()) {
    line("timings");
    const int metric_width = r.mode == GateMode::history ? 25 : 15;
    line(fmt::format("   {:<36} {:<{}} {:>6} {:>6} {:>13} {:>12} {:>8} {:>7} {:>8}  {}", "benchmark", "metric",
                     metric_width, n_base_label(r), "n cur", base_label(r), cur_label(r), "change", "spread", "p-value",
                     "verdict"));
    for (const TimingRow& t : r.timings) {
      const bool cmp = has_comparison(t.verdict);
      const bool spread = r.mode == GateMode::history && cmp;
      std::string verdict = to_string(t.verdict);
      if (t.verdict == Verdict::shown || t.verdict == Verdict::unreliable) verdict += ": " + t.rule;
      line(fmt::format("{} {:<36} {:<{}} {:>6} {:>6} {:>13} {:>12} {:>8} {:>7} {:>8}  {}", marker(t.verdict),
                       t.benchmark, judged_on(r, t), metric_width, t.n_baseline, t.n_current,
                       format_value(t.median_baseline, t.metric), format_value(t.median_current, t.metric),
                       cmp ? format_change(t.change_pct) : "-", spread ? fmt::format("{:.1f}%", t.spread_pct) : "-",
                       cmp && t.verdict != Verdict::unreliable ? fmt::format("{:.2g}", t.p_value) : "-", verdict));
    }
    line("");
  }
  if (!r.insns.empty()) {
    line("instruction counts (exact, per iteration)");
    line(fmt::format("   {:<40} {:>12} {:>12} {:>8}  {}", "benchmark", "baseline", "current", "change", "verdict"));
    for (const InsnsRow& i : r.insns)
      line(fmt::format("{} {:<40} {:>12} {:>12} {:>8}  {}", marker(i.verdict), i.benchmark,
                       i.verdict == Verdict::only_current ? "-" : fmt::format("{:.6g}", i.baseline),
                       i.verdict == Verdict::only_baseline ? "-" : fmt::format("{:.6g}", i.current),
                       has_comparison(i.verdict) ? format_change(i.change_pct) : "-", to_string(i.verdict)));
    line("");
  }
  if (!r.exact.empty()) {
    line("exact counters (deterministic; any change gates)");
    line(fmt::format("   {:<40} {:<24} {:>12} {:>12}  {}", "benchmark", "counter", "baseline", "current", "verdict"));
    for (const ExactRow& e : r.exact)
      line(fmt::format("{} {:<40} {:<24} {:>12} {:>12}  {}", e.gated ? marker(e.verdict) : "  ", e.benchmark, e.counter,
                       exact_value(e, true), exact_value(e, false), exact_verdict(e)));
    line("");
  }
  if (!r.correctness.empty()) {
    line("correctness (current run)");
    const bool oracles = has_oracle_counts(r);
    std::size_t width = 10;  // slub's names fit; a hotplug scenario's may not
    for (const CorrectnessRow& c : r.correctness) width = std::max(width, c.strategy.size());
    line(fmt::format("   {:<{}} {:<8} {:>8} {:>8} {:>8}{}  {}", "strategy", width, "scope", "trials", "hangs", "torn",
                     oracles ? fmt::format(" {:>10} {:>10}", "violations", "inversions") : "", "verdict"));
    for (const CorrectnessRow& c : r.correctness)
      line(fmt::format("{} {:<{}} {:<8} {:>8} {:>8} {:>8}{}  {}", c.gates ? "!!" : "  ", c.strategy, width, c.scope,
                       c.trials, c.hangs, c.torn_reads,
                       oracles ? fmt::format(" {:>10} {:>10}", c.violations, c.lock_inversions) : "",
                       c.gates ? "REGRESSION: " + c.reason : c.reason));
    line("");
  }
  for (const std::string& n : r.notes) line("note: " + n);
  line(verdict_line(r));
  return out;
}

std::string format_markdown(const RegressReport& r) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  auto cell = [](const std::string& s) {  // '|' would split a Markdown table cell
    std::string e;
    for (char c : s) e += c == '|' ? std::string("\\|") : std::string(1, c);
    return e;
  };
  const auto red = [](bool b) { return b ? ":red_circle:" : ""; };
  // A section's title and its table's header row and alignment row.
  auto table = [&](const std::string& title, const std::string& header, const std::string& alignment) {
    line("### " + title);
    line("");
    line(header);
    line(alignment);
  };
  line("## pokebench regress");
  line("");
  for (const std::string& h : headline(r)) line("**" + cell(h) + "**");
  line("");
  line("- baseline: " + cell(describe(r.baseline_origin, r.baseline_context)));
  line("- current: " + cell(describe(r.current_origin, r.current_context)));
  line("- gate: " + gate_description(r));
  line("");
  if (!r.timings.empty()) {
    table("Timings",
          fmt::format("| | benchmark | metric | {} | n cur | {} | {} | change | spread | p-value | verdict |",
                      n_base_label(r), base_label(r), cur_label(r)),
          "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const TimingRow& t : r.timings) {
      const bool cmp = has_comparison(t.verdict);
      std::string verdict = t.verdict == Verdict::regression ? "**REGRESSION**" : std::string(to_string(t.verdict));
      if (t.verdict == Verdict::shown || t.verdict == Verdict::unreliable) verdict += ": " + cell(t.rule);
      line(fmt::format("| {} | `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                       t.verdict == Verdict::regression    ? ":red_circle:"
                       : t.verdict == Verdict::improvement ? ":green_circle:"
                                                           : "",
                       t.benchmark, judged_on(r, t), t.n_baseline, t.n_current,
                       format_value(t.median_baseline, t.metric), format_value(t.median_current, t.metric),
                       cmp ? format_change(t.change_pct) : "-",
                       r.mode == GateMode::history && cmp ? fmt::format("{:.1f}%", t.spread_pct) : "-",
                       cmp && t.verdict != Verdict::unreliable ? fmt::format("{:.2g}", t.p_value) : "-", verdict));
    }
    line("");
  }
  if (!r.insns.empty()) {
    table("Instruction counts (exact)", "| | benchmark | baseline | current | change | verdict |",
          "|---|---|---:|---:|---:|---|");
    for (const InsnsRow& i : r.insns)
      line(fmt::format(
          "| {} | `{}` | {} | {} | {} | {} |", red(gates(i.verdict)), i.benchmark,
          i.verdict == Verdict::only_current ? "-" : fmt::format("{:.6g}", i.baseline),
          i.verdict == Verdict::only_baseline ? "-" : fmt::format("{:.6g}", i.current),
          has_comparison(i.verdict) ? format_change(i.change_pct) : "-",
          gates(i.verdict) ? fmt::format("**{}**", to_string(i.verdict)) : std::string(to_string(i.verdict))));
    line("");
  }
  if (!r.exact.empty()) {
    table("Exact counters", "| | benchmark | counter | baseline | current | verdict |", "|---|---|---|---:|---:|---|");
    for (const ExactRow& e : r.exact)
      line(fmt::format("| {} | `{}` | {} | {} | {} | {} |", red(e.gated && gates(e.verdict)), e.benchmark, e.counter,
                       exact_value(e, true), exact_value(e, false),
                       e.gated && gates(e.verdict) ? fmt::format("**{}**", to_string(e.verdict)) : exact_verdict(e)));
    line("");
  }
  if (!r.correctness.empty()) {
    const bool oracles = has_oracle_counts(r);
    table("Correctness (current run)",
          oracles ? "| | strategy | scope | trials | hangs | torn reads | violations | lock inversions | verdict |"
                  : "| | strategy | scope | trials | hangs | torn reads | verdict |",
          oracles ? "|---|---|---|---:|---:|---:|---:|---:|---|" : "|---|---|---|---:|---:|---:|---|");
    for (const CorrectnessRow& c : r.correctness)
      line(fmt::format("| {} | {} | {} | {} | {} | {} |{} {} |", red(c.gates), c.strategy, c.scope, c.trials, c.hangs,
                       c.torn_reads, oracles ? fmt::format(" {} | {} |", c.violations, c.lock_inversions) : "",
                       c.gates ? "**REGRESSION**: " + cell(c.reason) : cell(c.reason)));
    line("");
  }
  for (const std::string& n : r.notes) line("> note: " + cell(n));
  if (!r.notes.empty()) line("");
  line("`" + verdict_line(r) + "`");
  return out;
}

nlohmann::json format_json(const RegressReport& r) {
  using nlohmann::json;
  auto side = [](const std::string& origin, const Context& c) {
    return json{{"origin", origin}, {"git_sha", c.git_sha}, {"host", c.host}, {"date", c.date}};
  };
  auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json timings = json::array();
  for (const TimingRow& t : r.timings)
    timings.push_back({{"benchmark", t.benchmark},
                       {"metric", t.metric},
                       {"statistic", r.mode == GateMode::history ? json(to_string(t.statistic)) : json("median")},
                       {"rule", t.rule},
                       {"n_baseline", t.n_baseline},
                       {"n_current", t.n_current},
                       {"median_baseline", number(t.median_baseline)},
                       {"median_current", number(t.median_current)},
                       {"change_pct", has_comparison(t.verdict) ? number(t.change_pct) : json(nullptr)},
                       {"spread_pct", r.mode == GateMode::history ? number(t.spread_pct) : json(nullptr)},
                       {"p_value", has_comparison(t.verdict) ? json(t.p_value) : json(nullptr)},
                       {"exact", t.exact},
                       {"verdict", to_string(t.verdict)}});
  json insns = json::array();
  for (const InsnsRow& i : r.insns)
    insns.push_back({{"benchmark", i.benchmark},
                     {"baseline", i.verdict == Verdict::only_current ? json(nullptr) : number(i.baseline)},
                     {"current", i.verdict == Verdict::only_baseline ? json(nullptr) : number(i.current)},
                     {"change_pct", has_comparison(i.verdict) ? number(i.change_pct) : json(nullptr)},
                     {"verdict", to_string(i.verdict)}});
  json exact = json::array();
  for (const ExactRow& e : r.exact)
    exact.push_back({{"benchmark", e.benchmark},
                     {"counter", e.counter},
                     {"baseline", e.verdict == Verdict::only_current ? json(nullptr) : number(e.baseline)},
                     {"current", number(e.current)},
                     {"gated", e.gated},
                     {"verdict", to_string(e.verdict)}});
  json correctness = json::array();
  for (const CorrectnessRow& c : r.correctness) {
    json row{{"strategy", c.strategy}, {"scope", c.scope}};
    for (const auto& [key, count] : kCorrectnessCounts) row[key] = c.*count;
    row["gates"] = c.gates;
    row["reason"] = c.reason;
    correctness.push_back(std::move(row));
  }
  return json{{"verdict", r.gated() ? "REGRESSION" : "OK"},
              {"exit_code", r.exit_code()},
              {"gate",
               {{"mode", r.mode == GateMode::history ? "history" : "files"},
                {"baseline_runs", r.baseline_runs},
                {"metric", r.options.metric.empty() ? json(nullptr) : json(r.options.metric)},
                {"alpha", r.options.alpha},
                {"correction", r.mode == GateMode::history ? "holm" : "none"},
                {"min_change_pct", r.options.min_change_pct},
                {"min_repetitions", r.options.min_repetitions},
                {"min_runs", r.options.min_runs},
                {"min_spread_pct", r.options.min_spread_pct},
                {"min_spread_ref_pct", r.options.min_spread_ref_pct},
                {"insns_threshold_pct", r.options.insns_threshold_pct}}},
              {"run_shift_pct", number(r.run_shift_pct)},
              {"host_shift", r.host_shift},
              {"baseline", side(r.baseline_origin, r.baseline_context)},
              {"current", side(r.current_origin, r.current_context)},
              {"timings", timings},
              {"insns", insns},
              {"exact", exact},
              {"correctness", correctness},
              {"notes", r.notes},
              {"summary", verdict_line(r)}};
}

}  // namespace pokebench::results
