// pokebench repro: one scenario cell on emulated CPUs with real patched code
// (by default the 2017 slub/cpuset hang). See harness/include/pokebench/harness/runner.hpp.
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"
#include "scenario_options.hpp"
#include "validators.hpp"

#include <pokebench/harness/runner.hpp>
#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/vcpu.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <fmt/core.h>

#include <cstdio>
#include <memory>
#include <string>

namespace pokebench::cli {
namespace {

namespace hh = pokebench::harness;
namespace pp = pokebench::patcher;

struct ReproOptions : ScenarioOptions {
  std::string json;
  std::string expect;
};

void warn_about_cpus(const hh::ScenarioConfig& cfg) {
  const hh::Scenario& sc = hh::scenario_of(cfg);
  if (!sc.patches_code()) return;  // its vCPUs idle in short sleeps: sharing host CPUs is what hotplug races need
  const unsigned others = sc.other_vcpus(cfg);
  const unsigned vcpus = cfg.readers + others;
  const int host = hh::Machine::host_cpus();
  if (static_cast<int>(vcpus) > host)
    warning(
        "{} vCPUs ({} reader(s){}) on {} host CPU(s): vCPUs share host CPUs and are time-sliced, so a "
        "vCPU spinning with IRQs masked delays its siblings and timings stretch. Verdicts still hold (a hang "
        "is a loop that cannot exit, not a slow one); for 1:1 pinning use --readers {}",
        vcpus, cfg.readers, others > 0 ? fmt::format(" + {} other", others) : "", host,
        std::max(1, host - static_cast<int>(others)));
}

int run_repro(ReproOptions& o, bool trials_given, bool duration_given) {
  if (o.list) {
    print_scenarios();
    return 0;
  }
  if (const std::string why = o.finish(); !why.empty()) {
    error("{}", why);
    return 2;
  }
  hh::ScenarioConfig& cfg = o.cfg;
  if (cfg.mode == hh::Mode::deterministic && duration_given) {
    error("--duration applies to --mode stress only (deterministic mode runs --trials trials)");
    return 2;
  }
  hh::resolve_mode_defaults(cfg, trials_given, duration_given);
  if (const std::string why = hh::validate(cfg); !why.empty()) {
    error("{}", why);
    return 2;
  }
  const hh::StrategyInfo& st = *hh::scenario_of(cfg).find_strategy(cfg.strategy);
  if (st.apply != pp::ApplyMode::batched && cfg.batch_size != 256)
    warning("--batch-size only affects batched strategies ({} patches one site at a time)", cfg.strategy);
  if (!environment_usable(cfg)) return 2;

  fmt::print("pokebench repro: {}\n", hh::describe(cfg));
  if (!hh::scenario_of(cfg).patches_code())
    fmt::print("  {}: nothing is patched (--order, --int3, --readers do not apply); {}\n", hh::to_string(cfg.mode),
               cfg.mode == hh::Mode::deterministic ? "the hotplug operation is forced into the scenario's race window"
                                                   : "the hotplug operation starts after a random delay, free-running");
  else if (cfg.mode == hh::Mode::deterministic)
    fmt::print(
        "  deterministic: every protocol step is written while each reader sits in an IRQ-off section; a "
        "reader leaves it (and acknowledges the sync) after {} complete passes of its loops\n",
        cfg.irqoff_loops);
  warn_about_cpus(cfg);
  std::fflush(stdout);

  const bool long_run = cfg.mode == hh::Mode::stress || cfg.trials > 1;
  const hh::ScenarioResult r =
      hh::run_scenario(cfg, [&](std::uint64_t done, std::uint64_t planned, std::uint64_t hangs) {
        if (!long_run) return;
        if (planned)
          note("progress: {}/{} {}, {} hung", done, planned, cfg.mode == hh::Mode::stress ? "transitions" : "trials",
               hangs);
        else
          note("progress: {} transitions, {} hung", done, hangs);
      });

  if (!r.hangs.empty()) {
    fmt::print("\n{}", r.hangs.front().report);
    if (r.hung_trials > 1)
      fmt::print("({} more hung trial(s) with the same kind of report; --json FILE keeps the first {})\n",
                 r.hung_trials - 1, r.hangs.size());
    fmt::print("\n");
  }
  if (r.oracles.violation[0] != 0)
    fmt::print("first failure ({} in all, {} lock-order inversion(s)):\n{}\n\n", r.oracles.violations,
               r.oracles.lock_inversions, r.oracles.violation);
  // Once per run: a hang report already ends with the checker's report.
  if (r.oracles.inversion[0] != 0 && r.hangs.empty())
    fmt::print("the lock-order checker ({} inversion(s); the first):\n{}\n", r.oracles.lock_inversions,
               r.oracles.inversion);
  for (const std::string& e : r.errors) error("{}", e);
  if (r.oracles.stray_sigtraps > 0)
    error("{} SIGTRAP(s) that were not the patcher's int3: something else traps in this process",
          r.oracles.stray_sigtraps);
  if (!r.environment_error.empty())
    error("{}", r.environment_error);
  else if (r.ran_nothing() && !r.interrupted)
    error("no {} completed, so this run shows nothing: give the stress run more time (--duration) or --trials",
          cfg.mode == hh::Mode::stress ? "transition" : "trial");
  if (!write_json_option(o.json, hh::result_json(r))) return 2;
  const hh::Verdict v = r.verdict();
  int code = 0;
  if (r.interrupted) {
    error("interrupted: the verdict below covers the trials completed before the signal");
    code = 2;
  } else if (v == hh::Verdict::error) {
    code = 2;
  } else if (!o.expect.empty()) {
    const char* got = v == hh::Verdict::hang   ? "hang"
                      : v == hh::Verdict::torn ? "torn"
                      : v == hh::Verdict::fail ? "fail"
                                               : "ok";
    if (o.expect != got) {
      error("expected {}, got {}", o.expect, got);
      code = 1;
    }
  }
  std::fflush(stderr);
  fmt::print("{}\n", hh::verdict_line(r));
  return code;
}

}  // namespace

void add_repro(CLI::App& app) {
  auto [cmd, o] =
      add_command<ReproOptions>(app, "repro", "Run one cell of a scenario: real patched code on emulated CPUs",
                                R"(Pinned threads, IRQ masks and IPIs; by default the 2017 slub/cpuset
static-branch hang (the v4.12 bug), or show a fix holding.)");
  add_scenario_options(cmd, o, kCell | kMachine);
  add_enum(cmd, "--mode", o->cfg.mode, hh::kModeNames,
           "deterministic: readers held in IRQ-off sections at every protocol step; stress: free-running");
  CLI::Option* trials = cmd->add_option("--trials", o->cfg.trials,
                                        "deterministic: forked trials (default 1); stress: transitions under test")
                            ->check(whole_number(1, 1'000'000'000));
  CLI::Option* duration = cmd->add_option("--duration", o->cfg.duration_s,
                                          "stress: stop after S seconds (default 10 when --trials is not given)")
                              ->check(seconds_validator(false));
  cmd->add_option("--json", o->json, "also write the result as JSON to FILE");
  cmd->add_option("--expect", o->expect, "exit 1 unless the verdict is this")
      ->check(CLI::IsMember({"hang", "torn", "fail", "ok"}));
  cmd->callback([o, trials, duration] {
    const bool t = trials->count() > 0, d = duration->count() > 0;
    set_action([o, t, d] { return run_repro(*o, t, d); });
  });
}

}  // namespace pokebench::cli
