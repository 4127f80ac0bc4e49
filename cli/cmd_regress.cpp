// pokebench regress: the regression gate (results/regress.hpp) on files or history selectors.
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"
#include "validators.hpp"

#include <pokebench/results/document_io.hpp>
#include <pokebench/results/history.hpp>
#include <pokebench/results/metric.hpp>
#include <pokebench/results/regress.hpp>
#include <pokebench/support/output.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <memory>

namespace pokebench::cli {
namespace {

namespace pr = pokebench::results;

struct RegressOptions {
  std::string baseline, current;
  std::string history = pr::kDefaultHistoryPath;
  pr::GateOptions gate;
  std::string format = "text";
  std::string out;
};

int run_regress(const RegressOptions& o) {
  // The current side first: its host is the default host of a baseline selector.
  const pr::ResolvedInput current = pr::resolve_input(o.current, o.history, "");
  const pr::ResolvedInput baseline = pr::resolve_input(o.baseline, o.history, current.doc.context.host);
  for (const auto* side : {&baseline, &current})
    for (const std::string& w : side->doc.warnings) warning("{}", w);
  for (std::int64_t run : current.runs)
    if (std::find(baseline.runs.begin(), baseline.runs.end(), run) != baseline.runs.end())
      warning(
          "history run {} is on both sides: the baseline should exclude the current run (use skip=1, or gate "
          "before 'results add')",
          run);
  if (current.doc.samples.empty() && current.doc.insns.empty() && current.doc.correctness.empty() &&
      current.doc.matrix.empty()) {
    error("{}: the current side holds no benchmark rows, instruction counts or correctness data: nothing to gate",
          current.doc.origin);
    return 2;
  }

  pr::validate_metric(o.gate.metric, pr::known_metrics({&baseline.doc, &current.doc}));
  // history:last=N is a sample of runs (each one sample of the run model); a
  // file or one stored run is one document, compared over its repetitions.
  const pr::RegressReport report =
      baseline.each_run.empty() ? pr::regress(baseline.doc, current.doc, o.gate)
                                : pr::regress_history(baseline.each_run, current.doc, o.gate, baseline.doc.origin);
  std::string text;
  if (o.format == "markdown")
    text = pr::format_markdown(report);
  else if (o.format == "json")
    text = pr::format_json(report).dump(2) + "\n";
  else
    text = pr::format_text(report);
  fmt::print("{}", text);
  if (!o.out.empty()) pokebench::support::write_file_atomically(o.out, text);
  return report.exit_code();
}

// A gate option in percent, from 0 to `max`.
void add_percentage(CLI::App* cmd, const char* name, double& value, const char* help, double max) {
  cmd->add_option(name, value, help)->check(finite_range(0.0, max, "a percentage"))->capture_default_str();
}

}  // namespace

void add_regress(CLI::App& app) {
  auto [cmd, o] = add_command<RegressOptions>(app, "regress", "Regression gate: a current run against a baseline",
                                              R"(Each benchmark is compared on its family's metric (loop off/on:
cycles_per_iter; patch and loop flipping: ref_units, the cost in units of
the run's own sync round trip; sync: shown, gated only in A/B).

Against history:last=N each stored run is one sample: a row gates when it
leaves the run-to-run spread of the stored runs' medians and moves at least
--min-change, Holm-corrected over all gated rows; a shift of most rows
together is reported once as the host running slower or faster; fewer than
--min-runs stored runs: shown, not gated. One document against another: a
Mann-Whitney U test over the repetitions. Exact counters (instructions,
*_per_flip) gate on any change.

Correctness of the current run: a hang, torn read, violation or lock
inversion of a strategy the document marks is_fix gates, and so does the
scenario's known bug no longer failing (slub: the v4.12 per-site strategy
no longer hanging).)");
  cmd->add_option("--baseline", o->baseline, "Baseline: FILE or history selector")->required();
  cmd->add_option("--current", o->current, "Current run: FILE or history selector")->required();
  add_history_option(cmd, o->history,
                     "History for selectors: an SQLite file or a postgresql:// URL (or $POKEBENCH_HISTORY)");
  cmd->add_option("--alpha", o->gate.alpha,
                  "Significance level: family-wise over the gated rows (Holm) against history, per row (U test) "
                  "file against file")
      ->check(finite_range(1e-9, 0.5, "a significance level"))
      ->capture_default_str();
  add_percentage(cmd, "--min-change", o->gate.min_change_pct, "Minimum change of the median to gate, in percent",
                 1000.0);
  cmd->add_option("--min-repetitions", o->gate.min_repetitions,
                  "File against file: fewer repetitions on a side is unreliable, no gate")
      ->check(CLI::Range(2, 100000))
      ->capture_default_str();
  cmd->add_option("--min-runs", o->gate.min_runs,
                  "Against history: fewer stored runs of a benchmark is unreliable, no gate")
      ->check(CLI::Range(3, 100000))
      ->capture_default_str();
  add_percentage(cmd, "--min-spread", o->gate.min_spread_pct,
                 "Against history: floor of the run-to-run spread, in percent of the stored runs' location", 100.0);
  add_percentage(cmd, "--min-spread-ref", o->gate.min_spread_ref_pct,
                 "Against history: the floor for rows judged on ref_units (patch, flipping), in percent", 100.0);
  add_percentage(cmd, "--insns-threshold", o->gate.insns_threshold_pct,
                 "Change of an exact count (instructions, *_per_flip) that gates, in percent; 0: any change", 1000.0);
  cmd->add_option("--metric", o->gate.metric,
                  "Judge every row on this metric instead of its family's: real_time, cpu_time or a user counter "
                  "the runs carry (cycles_per_iter, ref_units, ...); sync rows stay ungated")
      ->check(CLI::Validator(
          [](std::string& in) {
            return in.empty() ? std::string(
                                    "an empty --metric names nothing; leave the option "
                                    "out for each family's default")
                              : std::string();
          },
          "METRIC"));
  add_format_option(cmd, o->format, {"text", "markdown", "json"});
  add_copy_out_option(cmd, o->out);
  cmd->footer(
      "Inputs (--baseline, --current): a pokebench result document, a plain Google Benchmark JSON file (1.7+, "
      "every repetition, e.g. --benchmark_repetitions=9 --benchmark_display_aggregates_only), or a history "
      "selector:\n"
      "  history:run=ID                      one stored run (see 'pokebench results list')\n"
      "  history:last=N[,skip=K][,host=H]    the newest N runs after skipping K, each run one sample of the run\n"
      "                                      model; host defaults to the current side's host, host=* takes every host\n"
      "Nightly use: pokebench regress --baseline history:last=5 --current run.json, then pokebench results add "
      "run.json (or --baseline history:last=5,skip=1 after adding).\n"
      "Exit codes: 0 nothing gated, 1 regression (the last line says which: 'verdict: REGRESSION ...'), 2 unusable "
      "input (file, place and problem are named).");
  on_parsed(cmd, o, run_regress);
}

}  // namespace pokebench::cli
