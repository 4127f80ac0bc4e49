// The scenario registry and the Scenario helpers every scenario shares.
#include <pokebench/harness/scenario.hpp>

#include "c_scenario.hpp"
#include "cpu_notifier.hpp"
#include "cpuset_hotplug.hpp"
#include "mem_hotplug.hpp"
#include "slub.hpp"
#include "wq_pool_cpumask.hpp"

#include <fmt/format.h>

#include <mutex>
#include <stdexcept>

namespace pokebench::harness {
namespace {

std::vector<const Scenario*>& registry() {
  // The built-in scenarios first; users' own are appended.
  static std::vector<const Scenario*> all{&slub::scenario(), &cpu_notifier::scenario(), &mem_hotplug::scenario(),
                                          &wq_pool_cpumask::scenario(), &cpuset_hotplug::scenario()};
  detail::adopt_c_scenarios(all);  // kernel C ones, from the executable or --load
  return all;
}

}  // namespace

const StrategyInfo* Scenario::find_strategy(std::string_view n) const {
  for (const StrategyInfo& s : strategies())
    if (n == s.name) return &s;
  return nullptr;
}

const ParamInfo* Scenario::find_param(std::string_view n) const {
  for (const ParamInfo& p : params())
    if (n == p.name) return &p;
  return nullptr;
}

std::vector<const StrategyInfo*> Scenario::listed_strategies() const {
  std::vector<const StrategyInfo*> out;
  for (const StrategyInfo& s : strategies())
    if (!s.negative_control) out.push_back(&s);
  return out;
}

std::vector<PatchOrder> Scenario::orders() const {
  namespace pp = pokebench::patcher;
  std::vector<PatchOrder> out{{pp::Order::table, {}}, {pp::Order::address, {}}, {pp::Order::reverse, {}}};
  for (const std::string& t : site_tags()) out.push_back(tag_first(t));
  out.push_back({pp::Order::random, {}});
  return out;
}

std::span<const Scenario* const> scenarios() { return registry(); }

const Scenario* find_scenario(std::string_view name) {
  for (const Scenario* s : registry())
    if (name == s->name()) return s;
  return nullptr;
}

const Scenario& scenario_of(const ScenarioConfig& c) {
  if (const Scenario* s = find_scenario(c.scenario)) return *s;
  std::string known;
  for (const Scenario* s : registry()) known += (known.empty() ? "" : ", ") + std::string(s->name());
  throw std::invalid_argument(fmt::format("no scenario '{}' (known: {})", c.scenario, known));
}

void register_scenario(const Scenario& s) {
  if (find_scenario(s.name()) != nullptr)
    throw std::invalid_argument(fmt::format("a scenario named '{}' is already registered", s.name()));
  registry().push_back(&s);
}

}  // namespace pokebench::harness
