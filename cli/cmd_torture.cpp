// pokebench torture: every strategy x direction x order x int3 policy of a
// scenario in stress mode, one row per cell, then SUCCESS or FAILURE
// (rcutorture style).
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"
#include "scenario_options.hpp"
#include "validators.hpp"

#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/torture.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <fmt/core.h>

#include <cstdio>
#include <memory>
#include <string>

namespace pokebench::cli {
namespace {

namespace hh = pokebench::harness;
namespace pp = pokebench::patcher;

struct TortureOptions : ScenarioOptions {
  double duration = 120;
  std::string json;
  bool backend_given = false;
};

int run_torture(TortureOptions& o) {
  if (o.list) {
    print_scenarios();
    return 0;
  }
  hh::ScenarioConfig& base = o.cfg;
  base.mode = hh::Mode::stress;
  base.trials = 0;
  base.duration_s = o.duration;
  // The matrix runs every strategy of the scenario: the configuration's own
  // is not one of the cells, only validated.
  default_strategy_of_scenario(base);
  if (const std::string why = hh::validate(base); !why.empty()) {
    error("{}", why);
    return 2;
  }
  const pp::Capabilities caps = pp::probe_capabilities();
  if (!o.backend_given && base.backend == pp::Backend::procmem && !caps.procmem_write && caps.mprotect_rwx &&
      caps.membarrier_sync_core) {
    warning("backend procmem refused ({}); using mprotect (pass --backend to choose)", caps.procmem_detail);
    base.backend = pp::Backend::mprotect;
  }
  if (!environment_usable(base)) return 2;
  const hh::Scenario& sc = hh::scenario_of(base);
  const std::vector<hh::ScenarioConfig> cells = hh::torture_matrix(base, o.duration);
  const std::string shape =
      sc.patches_code()
          ? fmt::format("{} strategies x 2 directions x {} orders x 2 int3 policies", sc.listed_strategies().size(),
                        sc.orders().size())
          : fmt::format("{} strategies x 2 directions; nothing is patched", sc.listed_strategies().size());
  fmt::print("pokebench torture: scenario {}, {} cells ({}), stress mode, {:.0f} s budget ({:.2f} s per cell); {}\n",
             sc.name(), cells.size(), shape, o.duration, o.duration / static_cast<double>(cells.size()),
             hh::describe(cells.front()));
  fmt::print("{}\n", hh::torture_header());
  std::fflush(stdout);
  const hh::TortureResult tr = hh::run_torture(
      o.duration,
      [](const hh::TortureCell& c, std::size_t, std::size_t) {
        fmt::print("{}\n", hh::torture_row(c));
        std::fflush(stdout);
      },
      base);
  if (!write_json_option(o.json, hh::torture_json(tr))) return 2;
  if (tr.interrupted) {
    error("{}", tr.why);
    fmt::print("FAILURE: interrupted ({:.1f} s)\n", tr.seconds);
    return 2;
  }
  if (tr.success) {
    fmt::print("SUCCESS: every fix OK in every cell{} ({:.1f} s)\n",
               sc.known_bug() ? ", and the known bug reproduced" : "", tr.seconds);
    return 0;
  }
  if (!tr.fix_failed && tr.error_cells > 0) {
    // No verdict about the code: the machine or the budget is at fault.
    error("{}", tr.why);
    fmt::print("FAILURE: no verdict: {} of {} cells ERROR ({:.1f} s)\n", tr.error_cells, tr.cells_planned, tr.seconds);
    return 2;
  }
  fmt::print("FAILURE: {} ({:.1f} s)\n", tr.why, tr.seconds);
  return 1;
}

}  // namespace

void add_torture(CLI::App& app) {
  auto o = std::make_shared<TortureOptions>();
  o->cfg.timeout_ms = hh::kTortureTimeoutMs;
  CLI::App* cmd = app.add_subcommand(
      "torture", command_help("Run a scenario's whole matrix in stress mode",
                              R"(The matrix: strategies x directions x orders x int3 policies. SUCCESS
when every fix holds everywhere and the scenario's known bug reproduces.)"));
  add_scenario_options(cmd, o, kMachine);
  cmd->add_option("--duration", o->duration, "time budget in seconds for the whole matrix")
      ->check(seconds_validator(false))
      ->capture_default_str();
  cmd->add_option("--json", o->json, "also write the matrix as JSON to FILE (for 'pokebench results bundle --matrix')");
  cmd->callback([o, cmd] {
    o->backend_given = cmd->get_option("--backend")->count() > 0;
    set_action([o] { return run_torture(*o); });
  });
}

}  // namespace pokebench::cli
