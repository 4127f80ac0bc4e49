// pokebench compare: which strategy, at what cost (bench/compare.hpp).
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"
#include "scenario_options.hpp"
#include "validators.hpp"

#include <pokebench/bench/compare.hpp>
#include <pokebench/explore/model.hpp>
#include <pokebench/explore/search.hpp>
#include <pokebench/harness/scenario.hpp>
#include <pokebench/support/output.hpp>

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>

namespace pokebench::cli {
namespace {

struct CompareCli : ScenarioOptions {
  bench::CompareOptions run;  // bound directly; run.base is filled from cfg
  std::string format = "text";
  std::string out;
  bool no_correctness = false;
  bool no_insns = false;
  bool no_model = false;
};

namespace ex = pokebench::explore;

// The explorer's bound in compare: every configuration up to these, which
// finishes in 0.6 to 2.3 s per strategy in a dev build (docs/explore.md).
constexpr unsigned kModelReaders = 1, kModelSites = 2;

// The explorer's verdict on each modelled strategy over its bounded matrix,
// and whether this run's stress counts say the same.
void add_model_verdicts(bench::CompareReport& report) {
  for (bench::StrategyRow& row : report.strategies) {
    const ex::StrategyModel* sm = ex::find_strategy(row.name);
    if (sm == nullptr) {
      report.notes.push_back(fmt::format("{}: not modelled by pokebench explore", row.name));
      continue;
    }
    ex::ModelConfig base;
    base.strategy = sm;
    base.apply = sm->apply;
    ex::MatrixAxes axes;
    axes.readers = {};
    axes.functions = {};
    for (unsigned r = 1; r <= kModelReaders; ++r) axes.readers.push_back(r);
    for (unsigned f = 1; f <= kModelSites; ++f) axes.functions.push_back(f);
    bench::ModelVerdict mv;
    mv.max_readers = kModelReaders;
    mv.max_sites = kModelSites;
    bool hang = false, unsafe = false, incomplete = false;
    for (const ex::ModelConfig& c : ex::matrix(base, axes)) {
      const ex::Result r = ex::explore(ex::make_model(c));
      ++mv.configurations;
      mv.states += r.states;
      mv.seconds += r.seconds;
      hang = hang || r.verdict == ex::Verdict::hang;
      unsafe = unsafe || r.verdict == ex::Verdict::unsafe;
      incomplete = incomplete || r.verdict == ex::Verdict::incomplete;
      mv.failing += r.verdict == ex::Verdict::hang || r.verdict == ex::Verdict::unsafe;
    }
    mv.verdict = hang ? "HANG" : unsafe ? "UNSAFE" : incomplete ? "INCOMPLETE" : "OK";
    mv.agrees = bench::stress_agrees(mv.verdict, row);
    if (row.enable && row.disable && !mv.agrees)
      report.notes.push_back(fmt::format("{}: the model says {} but the stress matrix saw {} hang(s), {} torn read(s)",
                                         row.name, mv.verdict, row.enable->hangs + row.disable->hangs,
                                         row.enable->torn_reads + row.disable->torn_reads));
    row.model = mv;
  }
}

int run_compare(CompareCli& c) {
  if (c.list) {
    print_scenarios();
    return 0;
  }
  // Compare has no --strategy (its rows are every strategy): a scenario
  // without slub's default validates with one of its own.
  default_strategy_of_scenario(c.cfg);
  if (const std::string why = harness::validate(c.cfg); !why.empty()) {
    error("{}", why);
    return 2;
  }
  // Checked first: a bad path is reported before minutes of measuring. The
  // file itself is replaced only at the end, so an interrupted or failed
  // compare leaves the previous one.
  if (!c.out.empty()) pokebench::support::check_output_path(c.out);
  // The cost phase patches too (loop/*/on, flipping, patch/*).
  if (!environment_usable(c.cfg)) return 2;
  bench::CompareOptions& o = c.run;
  o.base = c.cfg;
  o.correctness = !c.no_correctness;
  o.insns = !c.no_insns;
  o.insns_child_args = insns_child_args;
  const auto t0 = std::chrono::steady_clock::now();
  o.progress = [t0](const std::string& line) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    note("compare [{:5.1f} s] {}", s, line);
  };
  bench::CompareReport report = bench::run_compare(o);
  if (report.interrupted) {
    error("interrupted in the correctness phase: nothing written{}", c.out.empty() ? "" : ", " + c.out + " untouched");
    return 2;
  }
  if (!report.no_verdict.empty()) {
    error("{}: nothing written{}", report.no_verdict, c.out.empty() ? "" : ", " + c.out + " untouched");
    return 2;
  }
  if (!c.no_model && c.no_correctness)
    report.notes.push_back("model column left out: --no-correctness leaves no stress counts to check it against");
  if (!c.no_model && !c.no_correctness && report.scenario == "slub") {
    o.progress(fmt::format("model: exploring every configuration up to {} readers and {} site pairs", kModelReaders,
                           kModelSites));
    add_model_verdicts(report);
  }
  std::string text;
  if (c.format == "json")
    text = bench::to_json(report).dump(2) + "\n";
  else if (c.format == "markdown")
    text = bench::render_markdown(report);
  else
    text = bench::render_text(report);
  if (!c.out.empty()) {
    pokebench::support::write_file_atomically(c.out, text);
    note("compare: wrote {}", c.out);
  } else {
    pokebench::support::write_stdout(text);
  }
  return 0;
}

}  // namespace

void add_compare(CLI::App& app) {
  auto [cmd, c] = add_command<CompareCli>(app, "compare", "Which strategy, at what cost: one row per strategy",
                                          R"(Runs a scenario's stress matrix (bounded) and, for slub, the benchmarks
(bounded) of per-site, batched, ordered, cached and cookie; for another
scenario, its own cost figures (e.g. cpu_up latency).)");
  add_scenario_options(cmd, c, kMachine);
  add_format_option(cmd, c->format, {"text", "markdown", "json"});
  cmd->add_option("--out", c->out, "Write the result to FILE instead of standard output");
  cmd->add_flag("--quick", c->run.quick, "Everything within 90 s (shorter matrix, 3 repetitions)");
  cmd->add_option("--correctness-seconds", c->run.correctness_seconds,
                  "Time budget of the stress matrix (default 30 with --quick, else 120)")
      ->check(seconds_validator(false));
  cmd->add_option("--repetitions", c->run.repetitions, "Benchmark repetitions (default 3 with --quick, else 9)")
      ->check(whole_number(1, 1000));
  cmd->add_flag("--no-correctness", c->no_correctness, "Skip the stress matrix (cost only)");
  cmd->add_flag("--no-insns", c->no_insns, "Skip the callgrind instruction counts");
  cmd->add_flag("--no-model", c->no_model,
                "Skip the explorer's column (proved or refuted for every configuration up to 1 reader and 2 site "
                "pairs, next to the stress counts)");
  on_parsed(cmd, c, run_compare);
}

}  // namespace pokebench::cli
