// Text, Markdown and JSON renderings of a regression report.
#include <pokebench/results/regress.hpp>

#include <fmt/core.h>
#include <fmt/format.h>

#include <cmath>
#include <string>

namespace pokebench::results {

namespace {

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
         v == Verdict::changed;
}

// Short marker in front of each row: the eye finds regressions without reading.
const char* marker(Verdict v) {
  switch (v) {
  case Verdict::regression:
  case Verdict::changed: return "!!";
  case Verdict::improvement: return "++";
  case Verdict::unreliable: return "??";
  default: return "  ";
  }
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

std::string gate_description(const GateOptions& o) {
  return fmt::format("median {} of every repetition; gates when two-sided Mann-Whitney U p < {} AND the median "
                     "rises >= {}% (needs >= {} repetitions a side); instruction counts gate when they move more than {}% "
                     "either way; any hang or torn "
                     "read of ordered/cached/cookie gates, so does per-site no longer hanging",
                     o.metric, o.alpha, o.min_change_pct, o.min_repetitions, o.insns_threshold_pct);
}

std::string verdict_line(const RegressReport& r) {
  std::size_t unreliable = 0;
  for (const TimingRow& t : r.timings) unreliable += t.verdict == Verdict::unreliable;
  if (!r.gated())
    return fmt::format("verdict: OK no regression ({} timings, {} unreliable, {} instruction counts, {} correctness rows)",
                       r.timings.size(), unreliable, r.insns.size(), r.correctness.size());
  std::vector<std::string> what;
  for (const TimingRow& t : r.timings)
    if (t.verdict == Verdict::regression)
      what.push_back(fmt::format("{} {} (p={:.2g})", t.benchmark, format_change(t.change_pct), t.p_value));
  for (const InsnsRow& i : r.insns)
    if (i.verdict == Verdict::regression || i.verdict == Verdict::changed)
      what.push_back(fmt::format("{} instructions {}", i.benchmark, format_change(i.change_pct)));
  for (const CorrectnessRow& c : r.correctness)
    if (c.gates) what.push_back(fmt::format("{} {} correctness", c.strategy, c.scope));
  return fmt::format("verdict: REGRESSION {} timing, {} instruction count, {} correctness: {}", r.timing_regressions(),
                     r.insns_regressions(), r.correctness_failures(), fmt::join(what, "; "));
}

} // namespace

std::string format_text(const RegressReport& r) {
  std::string out;
  auto line = [&](const std::string& s) { out += s + "\n"; };
  line("pokebench regress");
  line("  baseline: " + describe(r.baseline_origin, r.baseline_context));
  line("  current:  " + describe(r.current_origin, r.current_context));
  line("  gate:     " + gate_description(r.options));
  line("");
  if (!r.timings.empty()) {
    line(fmt::format("timings ({})", r.options.metric));
    line(fmt::format("   {:<40} {:>6} {:>6} {:>12} {:>12} {:>8} {:>8}  {}", "benchmark", "n base", "n cur", "base median",
                     "cur median", "change", "p-value", "verdict"));
    for (const TimingRow& t : r.timings) {
      if (has_comparison(t.verdict)) {
        line(fmt::format("{} {:<40} {:>6} {:>6} {:>12} {:>12} {:>8} {:>8.2g}  {}", marker(t.verdict), t.benchmark,
                         t.n_baseline, t.n_current, format_value(t.median_baseline, r.options.metric),
                         format_value(t.median_current, r.options.metric), format_change(t.change_pct), t.p_value,
                         to_string(t.verdict)));
      } else {
        line(fmt::format("{} {:<40} {:>6} {:>6} {:>12} {:>12} {:>8} {:>8}  {}", marker(t.verdict), t.benchmark,
                         t.n_baseline, t.n_current, format_value(t.median_baseline, r.options.metric),
                         format_value(t.median_current, r.options.metric), "-", "-", to_string(t.verdict)));
      }
    }
    std::size_t unreliable = 0;
    for (const TimingRow& t : r.timings) unreliable += t.verdict == Verdict::unreliable;
    if (unreliable)
      line(fmt::format("   ?? {} benchmark(s) have fewer than {} repetitions on a side: not gated; run with "
                       "--benchmark_repetitions={} or more",
                       unreliable, r.options.min_repetitions, r.options.min_repetitions));
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
  if (!r.correctness.empty()) {
    line("correctness (current run)");
    line(fmt::format("   {:<10} {:<8} {:>8} {:>8} {:>8}  {}", "strategy", "scope", "trials", "hangs", "torn", "verdict"));
    for (const CorrectnessRow& c : r.correctness)
      line(fmt::format("{} {:<10} {:<8} {:>8} {:>8} {:>8}  {}", c.gates ? "!!" : "  ", c.strategy, c.scope, c.trials,
                       c.hangs, c.torn_reads, c.gates ? "REGRESSION: " + c.reason : c.reason));
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
  line("## pokebench regress");
  line("");
  line("- baseline: " + cell(describe(r.baseline_origin, r.baseline_context)));
  line("- current: " + cell(describe(r.current_origin, r.current_context)));
  line("- gate: " + gate_description(r.options));
  line("");
  if (!r.timings.empty()) {
    line(fmt::format("### Timings ({})", r.options.metric));
    line("");
    line("| | benchmark | n base | n cur | base median | cur median | change | p-value | verdict |");
    line("|---|---|---:|---:|---:|---:|---:|---:|---|");
    for (const TimingRow& t : r.timings) {
      const bool cmp = has_comparison(t.verdict);
      const std::string verdict =
          t.verdict == Verdict::regression ? "**REGRESSION**" : std::string(to_string(t.verdict));
      line(fmt::format("| {} | `{}` | {} | {} | {} | {} | {} | {} | {} |",
                       t.verdict == Verdict::regression ? ":red_circle:" : t.verdict == Verdict::improvement ? ":green_circle:" : "",
                       t.benchmark, t.n_baseline, t.n_current, format_value(t.median_baseline, r.options.metric),
                       format_value(t.median_current, r.options.metric), cmp ? format_change(t.change_pct) : "-",
                       cmp ? fmt::format("{:.2g}", t.p_value) : "-", verdict));
    }
    line("");
  }
  if (!r.insns.empty()) {
    line("### Instruction counts (exact)");
    line("");
    line("| | benchmark | baseline | current | change | verdict |");
    line("|---|---|---:|---:|---:|---|");
    for (const InsnsRow& i : r.insns)
      line(fmt::format("| {} | `{}` | {} | {} | {} | {} |",
                       i.verdict == Verdict::regression || i.verdict == Verdict::changed ? ":red_circle:" : "",
                       i.benchmark, i.verdict == Verdict::only_current ? "-" : fmt::format("{:.6g}", i.baseline),
                       i.verdict == Verdict::only_baseline ? "-" : fmt::format("{:.6g}", i.current),
                       has_comparison(i.verdict) ? format_change(i.change_pct) : "-",
                       i.verdict == Verdict::regression || i.verdict == Verdict::changed
                           ? fmt::format("**{}**", to_string(i.verdict))
                           : std::string(to_string(i.verdict))));
    line("");
  }
  if (!r.correctness.empty()) {
    line("### Correctness (current run)");
    line("");
    line("| | strategy | scope | trials | hangs | torn reads | verdict |");
    line("|---|---|---|---:|---:|---:|---|");
    for (const CorrectnessRow& c : r.correctness)
      line(fmt::format("| {} | {} | {} | {} | {} | {} | {} |", c.gates ? ":red_circle:" : "", c.strategy, c.scope,
                       c.trials, c.hangs, c.torn_reads, c.gates ? "**REGRESSION**: " + cell(c.reason) : cell(c.reason)));
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
                       {"n_baseline", t.n_baseline},
                       {"n_current", t.n_current},
                       {"median_baseline", number(t.median_baseline)},
                       {"median_current", number(t.median_current)},
                       {"change_pct", has_comparison(t.verdict) ? number(t.change_pct) : json(nullptr)},
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
  json correctness = json::array();
  for (const CorrectnessRow& c : r.correctness)
    correctness.push_back({{"strategy", c.strategy}, {"scope", c.scope}, {"trials", c.trials}, {"hangs", c.hangs},
                           {"torn_reads", c.torn_reads}, {"gates", c.gates}, {"reason", c.reason}});
  return json{{"verdict", r.gated() ? "REGRESSION" : "OK"},
              {"exit_code", r.exit_code()},
              {"gate",
               {{"metric", r.options.metric},
                {"alpha", r.options.alpha},
                {"min_change_pct", r.options.min_change_pct},
                {"min_repetitions", r.options.min_repetitions},
                {"insns_threshold_pct", r.options.insns_threshold_pct}}},
              {"baseline", side(r.baseline_origin, r.baseline_context)},
              {"current", side(r.current_origin, r.current_context)},
              {"timings", timings},
              {"insns", insns},
              {"correctness", correctness},
              {"notes", r.notes},
              {"summary", verdict_line(r)}};
}

} // namespace pokebench::results
