// The run configuration: patch order names, mode defaults, the one field
// list behind describe() and the JSON, and validation against the scenario.
#include <pokebench/harness/config.hpp>
#include <pokebench/harness/scenario.hpp>

#include <fmt/format.h>

#include <stdexcept>

namespace pokebench::harness {

namespace pp = pokebench::patcher;

std::string to_string(const PatchOrder& o) {
  if (o.order == pp::Order::tag_first) return o.first_tag + "-first";
  return pp::to_string(o.order);
}

std::optional<PatchOrder> parse_patch_order(std::string_view s) {
  constexpr std::string_view kSuffix = "-first";
  if (s.size() > kSuffix.size() && s.ends_with(kSuffix))
    return tag_first(std::string(s.substr(0, s.size() - kSuffix.size())));
  const auto o = pp::parse_order(s);
  if (!o || *o == pp::Order::tag_first || *o == pp::Order::custom) return std::nullopt;
  return PatchOrder{*o, {}};
}

std::uint64_t ScenarioConfig::param(std::string_view name) const {
  if (const auto it = params.find(std::string(name)); it != params.end()) return it->second;
  const ParamInfo* p = scenario_of(*this).find_param(name);
  if (p == nullptr) throw std::logic_error(fmt::format("scenario {} has no parameter {}", scenario, name));
  return p->default_value;
}

void resolve_mode_defaults(ScenarioConfig& c, bool trials_given, bool duration_given) {
  if (c.mode == Mode::deterministic) {
    if (!trials_given) c.trials = 1;
  } else {
    if (!trials_given) c.trials = 0;
    if (!trials_given && !duration_given) c.duration_s = 10;
  }
}

nlohmann::ordered_json config_fields(const ScenarioConfig& c) {
  const Scenario& sc = scenario_of(c);
  const StrategyInfo* st = sc.find_strategy(c.strategy);
  nlohmann::ordered_json f;
  f["scenario"] = c.scenario;
  f["strategy"] = c.strategy;
  f["direction"] = to_string(c.direction);
  f["order"] = to_string(c.order);
  f["int3"] = pp::to_string(c.int3);
  f["apply"] = st ? pp::to_string(st->apply) : "?";
  f["batch-size"] = c.batch_size;
  f["backend"] = pp::to_string(c.backend);
  f["mode"] = to_string(c.mode);
  f["trials"] = c.trials;
  f["duration"] = c.duration_s;
  f["readers"] = c.readers;
  f["irqoff-loops"] = c.irqoff_loops;
  f["timeout-ms"] = c.timeout_ms;
  f["seed"] = c.seed;
  for (const ParamInfo& p : sc.params()) f[p.name] = c.param(p.name);
  if (c.inject_stuck_vcpu) f["inject-stuck-vcpu"] = true;
  if (c.hold_from_write != 1) f["hold-from-write"] = c.hold_from_write;
  return f;
}

std::string describe(const ScenarioConfig& c) {
  std::string out;
  const nlohmann::ordered_json fields = config_fields(c);
  for (const auto& [name, value] : fields.items()) {
    if (!out.empty()) out += ' ';
    out += name + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
    if (name == "duration") out += "s";
  }
  return out;
}

nlohmann::ordered_json config_json(const ScenarioConfig& c) {
  nlohmann::ordered_json j;
  const nlohmann::ordered_json fields = config_fields(c);
  for (const auto& [name, value] : fields.items()) {
    std::string key = name;
    for (char& ch : key)
      if (ch == '-') ch = '_';
    j[key == "duration" ? "duration_s" : key] = value;
  }
  return j;
}

std::string validate(const ScenarioConfig& c) {
  const Scenario* sc = find_scenario(c.scenario);
  if (sc == nullptr) {
    std::string known;
    for (const Scenario* s : scenarios()) known += (known.empty() ? "" : ", ") + std::string(s->name());
    return fmt::format("no scenario '{}' (known: {}; `pokebench repro --list-scenarios` lists them)", c.scenario,
                       known);
  }
  if (sc->find_strategy(c.strategy) == nullptr) {
    std::string known;
    for (const StrategyInfo* s : sc->listed_strategies()) known += (known.empty() ? "" : ", ") + std::string(s->name);
    return fmt::format("scenario {} has no strategy '{}' (its strategies: {})", sc->name(), c.strategy, known);
  }
  if (!sc->patches_code()) {
    // --order, --int3, --batch-size do not apply: nothing is patched.
  } else if (c.order.order == pp::Order::tag_first) {
    bool known = false;
    std::string tags;
    for (const std::string& t : sc->site_tags()) {
      known = known || t == c.order.first_tag;
      tags += (tags.empty() ? "" : ", ") + t + "-first";
    }
    if (!known)
      return fmt::format(
          "--order {}: scenario {} has no sites tagged '{}' (orders: table, address, reverse, {}{}random)",
          to_string(c.order), sc->name(), c.order.first_tag, tags, tags.empty() ? "" : ", ");
  } else if (c.order.order == pp::Order::custom) {
    return "--order custom is the patcher's hook for tests, not a run's order";
  }
  for (const auto& [name, value] : c.params) {
    const ParamInfo* p = sc->find_param(name);
    if (p == nullptr) return fmt::format("--{} is not a parameter of scenario {}", name, sc->name());
    if (value < p->min || value > p->max)
      return fmt::format("--{} {} is out of range: scenario {} takes {} to {}", name, value, sc->name(), p->min,
                         p->max);
  }
  if (c.readers < 1) return "--readers must be at least 1: the hang needs a reader in the loop";
  if (c.readers > 64) return "--readers must be at most 64";
  if (c.irqoff_loops < 1)
    return "--irqoff-loops must be at least 1: a reader must run its loop inside its IRQ-off section";
  if (c.timeout_ms < 10) return "--timeout-ms must be at least 10 (the watchdog must not fire on a slow but live sync)";
  if (c.batch_size < 1) return "--batch-size must be at least 1";
  if (c.mode == Mode::deterministic && c.trials < 1) return "--trials must be at least 1";
  if (c.mode == Mode::stress && c.trials < 1 && c.duration_s <= 0)
    return "stress mode needs --trials N or --duration S (or both)";
  if (!(c.duration_s >= 0)) return "--duration must be a number of seconds >= 0";
  if (c.hold_from_write < 1) return "a forced schedule's first held write is 1 or later (1: every write)";
  if (c.hold_from_write != 1 && c.mode != Mode::deterministic)
    return "a forced schedule (hold from a later write) needs the deterministic mode";
  return sc->validate(c);
}

}  // namespace pokebench::harness
