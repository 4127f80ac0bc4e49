// The shared scenario options (scenario_options.hpp).
#include "scenario_options.hpp"

#include "diagnostics.hpp"
#include "validators.hpp"

#include <pokebench/harness/scenario.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace pokebench::cli {
namespace {

namespace hh = pokebench::harness;
namespace pp = pokebench::patcher;

std::string strategy_help() {
  std::string h = "strategy of the scenario (slub:";
  for (const hh::StrategyInfo* s : hh::find_scenario("slub")->listed_strategies())
    h += fmt::format(" {}{}", s->name, s->is_fix ? "" : " [bug]");
  return h + "; --list-scenarios lists every scenario's)";
}

}  // namespace

void default_strategy_of_scenario(hh::ScenarioConfig& cfg) {
  const hh::Scenario* sc = hh::find_scenario(cfg.scenario);
  if (sc == nullptr || sc->find_strategy(cfg.strategy) != nullptr) return;
  const auto listed = sc->listed_strategies();
  const auto bug = std::find_if(listed.begin(), listed.end(), [](const hh::StrategyInfo* s) { return !s->is_fix; });
  if (bug != listed.end())
    cfg.strategy = (*bug)->name;
  else if (!listed.empty())
    cfg.strategy = listed.front()->name;
}

std::string ScenarioOptions::finish() {
  if (strategy_option == nullptr || strategy_option->count() == 0) default_strategy_of_scenario(cfg);
  if (!order.empty()) {
    const auto o = hh::parse_patch_order(order);
    if (!o) return fmt::format("--order '{}' is not an order (table, address, reverse, random or TAG-first)", order);
    cfg.order = *o;
  }
  return {};
}

void add_scenario_options(CLI::App* cmd, const std::shared_ptr<ScenarioOptions>& o, unsigned sets) {
  std::string names;
  for (const hh::Scenario* s : hh::scenarios()) names += (names.empty() ? "" : ", ") + std::string(s->name());
  cmd->add_option("--scenario", o->cfg.scenario, "scenario to run (" + names + ")")->capture_default_str();
  cmd->add_flag("--list-scenarios", o->list, "list the scenarios, their strategies and parameters, and exit");
  if (sets & kCell) {
    o->strategy_option = cmd->add_option("--strategy", o->cfg.strategy, strategy_help())->capture_default_str();
    add_enum(cmd, "--direction", o->cfg.direction, hh::kDirectionNames, "key transition under test");
    cmd->add_option("--order", o->order,
                    "order the patcher rewrites a key's sites in: table, address, reverse, random, or TAG-first for "
                    "a tag of the scenario's sites (slub: begin-first, retry-first)")
        ->default_str(hh::to_string(o->cfg.order));
    add_enum(cmd, "--int3", o->cfg.int3, pp::kInt3PolicyNames,
             "int3 handler: skip (v4.x, resume as the NOP) or emulate-new (v5.5+)");
    cmd->add_option("--batch-size", o->cfg.batch_size, "sites per batch (batched strategies; 256 covers every site)")
        ->check(whole_number(1, std::size_t{1} << 20))
        ->capture_default_str();
  }
  if (sets & kMachine) {
    add_enum(cmd, "--backend", o->cfg.backend, pp::kBackendNames, "how code bytes are written");
    cmd->add_option("--readers", o->cfg.readers, "reader vCPUs")->check(whole_number(1, 64))->capture_default_str();
    cmd->add_option("--irqoff-loops", o->cfg.irqoff_loops, "reader passes per IRQ-off section")
        ->check(whole_number(1, 1'000'000))
        ->capture_default_str();
    cmd->add_option("--timeout-ms", o->cfg.timeout_ms, "CSD-lock watchdog: an IPI unanswered this long is a hang")
        ->check(whole_number(10, 3'600'000))
        ->capture_default_str();
    cmd->add_option("--seed", o->cfg.seed, "seed for --order random")
        ->check(whole_number(0, UINT64_MAX))
        ->capture_default_str();
    // Every scenario's parameters; validate() refuses one the chosen scenario lacks.
    std::set<std::string> added;
    for (const hh::Scenario* s : hh::scenarios())
      for (const hh::ParamInfo& p : s->params()) {
        if (!added.insert(p.name).second) continue;
        const std::string name = p.name;
        cmd->add_option_function<std::uint64_t>(
               "--" + name, [o, name](std::uint64_t v) { o->cfg.params[name] = v; },
               fmt::format("[{}] {}", s->name(), p.help))
            ->check(whole_number(p.min, p.max))
            ->default_str(std::to_string(p.default_value));
      }
  }
}

void print_scenarios() {
  for (const hh::Scenario* s : hh::scenarios()) {
    fmt::print("{}: {}\n  strategies:\n", s->name(), s->summary());
    for (const hh::StrategyInfo* st : s->listed_strategies())
      fmt::print("    {:<12} {:<4} {} (patches {})\n", st->name, st->is_fix ? "fix" : "bug", st->help,
                 pp::to_string(st->apply));
    fmt::print("  orders:");
    for (const hh::PatchOrder& o : s->orders()) fmt::print(" {}", hh::to_string(o));
    fmt::print("\n  parameters:\n");
    for (const hh::ParamInfo& p : s->params())
      fmt::print("    --{:<18} default {:<6} {} ({}..{})\n", p.name, p.default_value, p.help, p.min, p.max);
  }
}

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

}  // namespace pokebench::cli
