// The options every scenario-running command shares (repro, torture,
// compare), bound straight onto the harness's ScenarioConfig: the scenario,
// its strategy, the protocol, the machine, and each registered scenario's
// own parameters. Defaults are the library's (ScenarioConfig, ParamInfo).
#pragma once

#include <pokebench/harness/config.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace pokebench::cli {

struct ScenarioOptions {
  harness::ScenarioConfig cfg;
  std::string order;                       // parsed into cfg.order by finish()
  bool list = false;                       // --list-scenarios
  CLI::Option* strategy_option = nullptr;  // --strategy, where the command has it
  // Completes cfg after parsing; returns "" or what is wrong.
  std::string finish();
};

// Without --strategy, a scenario that does not have the library's default
// strategy (slub's per-site) runs its first listed bug (else its first listed strategy).
void default_strategy_of_scenario(harness::ScenarioConfig& cfg);

enum ScenarioOptionSet : unsigned {
  kCell = 1,     // --strategy --direction --order --int3 --batch-size
  kMachine = 2,  // --backend --readers --irqoff-loops --timeout-ms --seed and the scenario parameters
};

// Adds --scenario, --list-scenarios and the chosen option sets to `cmd`.
void add_scenario_options(CLI::App* cmd, const std::shared_ptr<ScenarioOptions>& o, unsigned sets);

// Prints every scenario with its strategies and parameters (--list-scenarios).
void print_scenarios();

// Can this machine run a trial with this backend at all? Prints the reason
// and the fix, and returns false if not.
bool environment_usable(const harness::ScenarioConfig& cfg);

}  // namespace pokebench::cli
