// pokebench repro: the 2017 slub/cpuset hang (and its fixes) on emulated CPUs,
// with real patched code. See harness/include/pokebench/harness/scenario.hpp.
#include "commands.hpp"
#include "diagnostics.hpp"
#include "validators.hpp"

#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/vcpu.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <fmt/core.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

namespace pokebench::cli {
namespace {

namespace hh = pokebench::harness;
namespace pp = pokebench::patcher;

struct ReproOptions {
  std::string strategy = "per-site";
  std::string direction = "enable";
  std::string order = "retry-first";
  std::string int3 = "skip";
  std::size_t batch_size = 256;
  std::string backend = "procmem";
  std::string mode = "deterministic";
  std::uint64_t trials = 0; // 0: the mode's default
  double duration = 0;
  unsigned readers = 1;
  unsigned irqoff_loops = 3;
  unsigned initial_seq = 2;
  unsigned writer_period_us = 1000;
  unsigned timeout_ms = 1000;
  std::uint64_t seed = 1;
  std::string json;
  std::string expect;
};

// Can this machine run a trial at all? Prints the reason and returns false if not.
bool environment_usable(const hh::ScenarioConfig& cfg) {
  const pp::Capabilities caps = pp::probe_capabilities();
  if (!caps.membarrier_sync_core) {
    error("cannot patch code safely here: {}", caps.membarrier_detail);
    return false;
  }
  if (cfg.backend == pp::Backend::procmem && !caps.procmem_write) {
    error("backend procmem refused: {}; {}", caps.procmem_detail,
          caps.mprotect_rwx ? "use --backend mprotect" : "and mprotect is refused too: " + caps.mprotect_detail);
    return false;
  }
  if (cfg.backend == pp::Backend::mprotect && !caps.mprotect_rwx) {
    error("backend mprotect refused: {}; {}", caps.mprotect_detail,
          caps.procmem_write ? "use --backend procmem" : "and procmem is refused too: " + caps.procmem_detail);
    return false;
  }
  return true;
}

void warn_about_cpus(const hh::ScenarioConfig& cfg) {
  const unsigned vcpus = cfg.readers + (cfg.writer_period_us > 0 ? 1 : 0);
  const int host = hh::Machine::host_cpus();
  if (static_cast<int>(vcpus) > host)
    warning("{} vCPUs ({} reader(s){}) on {} host CPU(s): vCPUs share host CPUs and are time-sliced, so a "
            "vCPU spinning with IRQs masked delays its siblings and timings stretch. Verdicts still hold (a hang "
            "is a loop that cannot exit, not a slow one); for 1:1 pinning use --readers {}{}",
            vcpus, cfg.readers, cfg.writer_period_us > 0 ? " + the writer" : "", host,
            std::max(1, host - (cfg.writer_period_us > 0 ? 1 : 0)),
            cfg.writer_period_us > 0 && host < 2 ? " --writer-period-us 0" : "");
}

int run_repro(const ReproOptions& o, bool trials_given, bool duration_given) {
  hh::ScenarioConfig cfg;
  cfg.strategy = *harness::cpuset::parse_strategy(o.strategy); // checked by CLI11
  cfg.direction = *hh::parse_direction(o.direction);
  cfg.order = *hh::parse_site_order(o.order);
  cfg.int3 = *pp::parse_int3_policy(o.int3);
  cfg.backend = *pp::parse_backend(o.backend);
  cfg.mode = *hh::parse_mode(o.mode);
  cfg.batch_size = o.batch_size;
  cfg.readers = o.readers;
  cfg.irqoff_loops = o.irqoff_loops;
  cfg.initial_seq = o.initial_seq;
  cfg.writer_period_us = o.writer_period_us;
  cfg.timeout_ms = o.timeout_ms;
  cfg.seed = o.seed;
  cfg.duration_s = o.duration;
  if (cfg.mode == hh::Mode::deterministic) {
    if (duration_given) {
      error("--duration applies to --mode stress only (deterministic mode runs --trials trials)");
      return 2;
    }
    cfg.trials = trials_given ? o.trials : 1;
  } else {
    cfg.trials = trials_given ? o.trials : 0;
    if (!trials_given && !duration_given) cfg.duration_s = 10;
  }
  if (cfg.strategy != harness::cpuset::Strategy::batched && o.batch_size != 256)
    warning("--batch-size only affects --strategy batched ({} patches one site at a time)", o.strategy);
  if (const std::string why = hh::validate(cfg); !why.empty()) {
    error("{}", why);
    return 2;
  }
  if (!environment_usable(cfg)) return 2;

  fmt::print("pokebench repro: {}\n", hh::describe(cfg));
  if (cfg.mode == hh::Mode::deterministic)
    fmt::print("  deterministic: every protocol step is written while each reader sits in an IRQ-off section; a "
               "reader leaves it (and acknowledges the sync) after {} complete passes of its begin/retry loops\n",
               cfg.irqoff_loops);
  warn_about_cpus(cfg);
  std::fflush(stdout);

  const bool long_run = cfg.mode == hh::Mode::stress || cfg.trials > 1;
  const hh::ScenarioResult r = hh::run_scenario(cfg, [&](std::uint64_t done, std::uint64_t planned, std::uint64_t hangs) {
    if (!long_run) return;
    if (planned)
      note("progress: {}/{} {}, {} hung", done, planned, cfg.mode == hh::Mode::stress ? "transitions" : "trials", hangs);
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
  for (const std::string& e : r.errors) error("{}", e);
  if (r.oracles.stray_sigtraps > 0)
    error("{} SIGTRAP(s) that were not the patcher's int3: something else traps in this process",
          r.oracles.stray_sigtraps);
  if (!o.json.empty()) {
    std::ofstream f(o.json);
    f << hh::result_json(r) << "\n";
    if (!f) {
      error("cannot write --json {}: check the directory exists and is writable", o.json);
      return 2;
    }
  }
  const hh::Verdict v = r.verdict();
  int code = 0;
  if (r.interrupted) {
    error("interrupted: the verdict below covers the trials completed before the signal");
    code = 2;
  } else if (v == hh::Verdict::error) {
    code = 2;
  } else if (!o.expect.empty()) {
    const char* got = v == hh::Verdict::hang ? "hang" : v == hh::Verdict::torn ? "torn" : "ok";
    if (o.expect != got) {
      error("expected {}, got {}", o.expect, got);
      code = 1;
    }
  }
  std::fflush(stderr);
  fmt::print("{}\n", hh::verdict_line(r));
  return code;
}

} // namespace

void add_repro(CLI::App& app) {
  auto o = std::make_shared<ReproOptions>();
  CLI::App* cmd = app.add_subcommand(
      "repro", "Reproduce the 2017 slub/cpuset static-branch hang on emulated CPUs (or show a fix holding): "
               "real patched code, pinned threads, IRQ masks, IPIs. Defaults are the v4.12 bug.");
  cmd->add_option("--strategy", o->strategy, "cpuset.h variant: per-site (v4.12), batched (v5.3 patching), "
                                             "ordered (89affbf5d9eb), cached (Zavin v2), cookie (Babka -1)")
      ->check(CLI::IsMember({"per-site", "batched", "ordered", "cached", "cookie"}))
      ->capture_default_str();
  cmd->add_option("--direction", o->direction, "key transition under test")
      ->check(CLI::IsMember({"enable", "disable"}))
      ->capture_default_str();
  cmd->add_option("--order", o->order, "order the patcher rewrites a key's sites in")
      ->check(CLI::IsMember({"table", "address", "reverse", "begin-first", "retry-first", "random"}))
      ->capture_default_str();
  cmd->add_option("--int3", o->int3, "int3 handler: skip (v4.x, resume as the NOP) or emulate-new (v5.5+)")
      ->check(CLI::IsMember({"skip", "emulate-new"}))
      ->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "sites per batch (batched strategy; 256 covers every site)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--backend", o->backend, "how code bytes are written")
      ->check(CLI::IsMember({"mprotect", "procmem"}))
      ->capture_default_str();
  cmd->add_option("--mode", o->mode, "deterministic: readers held in IRQ-off sections at every protocol step; "
                                     "stress: free-running")
      ->check(CLI::IsMember({"deterministic", "stress"}))
      ->capture_default_str();
  CLI::Option* trials = cmd->add_option("--trials", o->trials,
                                        "deterministic: forked trials (default 1); stress: transitions under test");
  CLI::Option* duration = cmd->add_option("--duration", o->duration,
                                          "stress: stop after S seconds (default 10 when --trials is not given)")
                              ->check(seconds_validator(true));
  cmd->add_option("--readers", o->readers, "reader vCPUs")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--irqoff-loops", o->irqoff_loops, "reader passes per IRQ-off section")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  cmd->add_option("--initial-seq", o->initial_seq, "mems_allowed_seq at start (even; nonzero as after boot)")
      ->capture_default_str();
  cmd->add_option("--writer-period-us", o->writer_period_us, "set_mems_allowed() period, 0: no writer")
      ->capture_default_str();
  cmd->add_option("--timeout-ms", o->timeout_ms, "CSD-lock watchdog: an IPI unanswered this long is a hang")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed for --order random")->capture_default_str();
  cmd->add_option("--json", o->json, "also write the result as JSON to FILE");
  cmd->add_option("--expect", o->expect, "exit 1 unless the verdict is this")
      ->check(CLI::IsMember({"hang", "torn", "ok"}));
  cmd->callback([o, trials, duration] {
    const bool t = trials->count() > 0, d = duration->count() > 0;
    set_action([o, t, d] { return run_repro(*o, t, d); });
  });
}

} // namespace pokebench::cli
