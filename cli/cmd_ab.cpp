// pokebench ab: two builds, one machine, one time (cli/ab_runner.hpp,
// results/ab.hpp).
#include "ab_runner.hpp"
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"
#include "subprocess.hpp"

#include <pokebench/results/document_io.hpp>
#include <pokebench/support/output.hpp>

#include <filesystem>
#include <memory>

namespace pokebench::cli {
namespace {

struct AbCliOptions {
  AbRunOptions run;
  std::string format = "text";
  std::string out;
};

int run_ab_command(AbCliOptions o) {
  // "pokebench" alone would be looked up in PATH when started.
  o.run.a = std::filesystem::absolute(o.run.a).string();
  o.run.b = std::filesystem::absolute(o.run.b).string();
  const std::string va = check_pokebench(o.run.a, "A");
  const std::string vb = check_pokebench(o.run.b, "B");
  note("ab: A = {} ({}), B = {} ({}); {} rounds of one process each, filter '{}'", o.run.a, va, o.run.b, vb,
       o.run.rounds, o.run.filter);
  InterruptGuard guard;
  results::AbReport report;
  try {
    report = run_ab(o.run);
  } catch (const Interrupted&) {
    error("ab: interrupted (signal {}); nothing was decided", InterruptGuard::signal_number());
    return 128 + InterruptGuard::signal_number();
  }
  const std::string text =
      o.format == "json" ? results::format_ab_json(report).dump(2) + "\n" : results::format_ab_text(report);
  fmt::print("{}", text);
  if (!o.out.empty()) support::write_file_atomically(o.out, text);
  return report.exit_code();
}

}  // namespace

void add_ab_options(CLI::App* cmd, AbRunOptions& o) {
  cmd->add_option("--rounds", o.rounds, "Rounds: each runs one process of A and one of B, in a random order")
      ->check(CLI::Range(2, 1000))
      ->capture_default_str();
  cmd->add_option("--repetitions", o.repetitions,
                  "Repetitions within each process (summarised into its sample as the nightly gate does)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_option("--min-time", o.min_time, "Seconds per repetition (--benchmark_min_time)")
      ->check(CLI::Range(0.001, 60.0))
      ->capture_default_str();
  cmd->add_option("--alpha", o.decision.alpha, "Family-wise error rate over all benchmarks (Bonferroni)")
      ->check(CLI::Range(1e-6, 0.5))
      ->capture_default_str();
  cmd->add_option("--min-change", o.decision.min_change_pct, "Smallest change of B/A that counts, in percent")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of the A/B order (0: random)")->capture_default_str();
}

void add_ab(CLI::App& app) {
  auto [cmd, o] = add_command<AbCliOptions>(app, "ab",
                                            "A/B of two pokebench executables (e.g. built from two commits), "
                                            "on this machine, now",
                                            R"(R rounds of separately started processes, A and B in a random order
each round, each process one sample (its repetitions summarised as the
nightly gate does: the fastest for loop/*/off|on, the median for the rest).
Per benchmark, the ratio B/A of its family's metric (loop/*/off|on
cycles_per_iter, loop/*/flipping and patch/* ref_units, sync/* real_time)
with a distribution-free confidence interval (Hodges-Lehmann on the
logarithms); the structural counters (syncs, IPIs, write windows, bytes
written per flip) are compared exactly.)");
  cmd->add_option("A", o->run.a, "The baseline pokebench executable")->required();
  cmd->add_option("B", o->run.b, "The pokebench executable to compare with it")->required();
  cmd->add_option("--benchmark-filter", o->run.filter, "Benchmarks to run (a Google Benchmark regex)")
      ->capture_default_str();
  add_ab_options(cmd, o->run);
  add_format_option(cmd, o->format, {"text", "json"});
  add_copy_out_option(cmd, o->out);
  cmd->footer(
      "A benchmark is SLOWER (FASTER) when its interval lies wholly above (below) 1 and the estimate moved by at "
      "least --min-change; CHANGED when an exact counter differs; unresolved when too few rounds give no interval "
      "at the per-benchmark level (the verdict says how many are needed).\n"
      "Example: pokebench ab old/cli/pokebench build/release/cli/pokebench --benchmark-filter '^loop/.*/off$'\n"
      "Exit codes: 0 no change, 1 a change (the last line: 'verdict: CHANGED ...'), 2 unusable input (e.g. an "
      "executable that is not a pokebench).");
  on_parsed(cmd, o, run_ab_command);
}

}  // namespace pokebench::cli
