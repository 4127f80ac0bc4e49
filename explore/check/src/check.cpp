// The model of a real cell, the cell run both ways, and a hang trace
// replayed as a forced schedule (check.hpp).
#include <pokebench/explore/check.hpp>
#include <pokebench/explore/report.hpp>
#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/torture.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string_view>

namespace pokebench::explore {

namespace hh = pokebench::harness;
namespace pp = pokebench::patcher;

ModelConfig model_of(const hh::ScenarioConfig& real) {
  if (real.scenario != "slub")
    throw std::invalid_argument(
        fmt::format("scenario {} is not modelled (the model is of slub's strategies)", real.scenario));
  ModelConfig mc;
  mc.strategy = find_strategy(real.strategy);
  if (mc.strategy == nullptr)
    throw std::invalid_argument(fmt::format("strategy {} is in the harness but not in the model", real.strategy));
  const hh::Scenario& sc = hh::scenario_of(real);
  const hh::StrategyInfo* info = sc.find_strategy(real.strategy);
  mc.apply = info ? info->apply : mc.strategy->apply;
  mc.batch_size = real.batch_size;
  mc.enable = real.direction == hh::Direction::enable;
  mc.order = real.order.order;
  mc.first_tag = real.order.first_tag;
  mc.seed = real.seed;
  mc.int3 = real.int3;
  mc.initial_seq = static_cast<unsigned>(real.param("initial-seq"));

  // The real layout: the world's keys (by their kernel names) and reader
  // functions (by entry address), each site's half from its tag.
  const std::unique_ptr<hh::TrialWorld> world = sc.make_world(real);
  const std::vector<hh::NamedFunction> fns = world->functions();
  mc.functions = static_cast<unsigned>(fns.size());
  std::vector<const void*> codes;
  for (const hh::NamedKey& k : world->keys()) {
    const auto kname = std::find_if(mc.strategy->keys.begin(), mc.strategy->keys.end(),
                                    [&](const char* n) { return std::string_view(n) == k.name; });
    if (kname == mc.strategy->keys.end())
      throw std::invalid_argument(fmt::format("{}: key {} is not in the model", real.strategy, k.name));
    for (const pp::SiteInfo& s : pp::sites_of(k.key)) {
      SiteDecl d;
      d.key = static_cast<int>(kname - mc.strategy->keys.begin());
      const auto fn =
          std::find_if(fns.begin(), fns.end(), [&](const hh::NamedFunction& f) { return f.entry == s.function; });
      if (fn == fns.end())
        throw std::invalid_argument(fmt::format("{}: site {} is in no reader function", real.strategy, s.symbol));
      d.fn = static_cast<unsigned>(fn - fns.begin());
      d.role = std::string_view(s.tag) == "retry" ? Role::retry : Role::begin;
      mc.layout.push_back(d);
      codes.push_back(s.code);
    }
  }
  // Addresses as ranks (Order::address sorts by them).
  std::vector<const void*> sorted = codes;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < codes.size(); ++i)
    mc.layout[i].address =
        static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), codes[i]) - sorted.begin());
  if (const std::string bad = validate(mc); !bad.empty()) throw std::invalid_argument(bad);
  return mc;
}

hh::Verdict predicted(Verdict v) noexcept {
  switch (v) {
    case Verdict::ok:
      return hh::Verdict::ok;
    case Verdict::hang:
      return hh::Verdict::hang;
    case Verdict::unsafe:
      return hh::Verdict::torn;
    case Verdict::incomplete:
      break;
  }
  return hh::Verdict::error;  // no prediction: never an agreement
}

namespace {

std::string both_sides(const hh::ScenarioResult& real, const ModelConfig& mc, const Result& mr) {
  std::string out = fmt::format("  real:  {}\n  model: {}\n", hh::verdict_line(real), verdict_line(mc, mr, 0));
  if (!real.hangs.empty()) out += "real hang report:\n" + real.hangs.front().report;
  for (const std::string& e : real.errors) out += "real error: " + e + "\n";
  if (!mr.counterexamples.empty()) out += "model trace:\n" + format_counterexample(mr.counterexamples.front(), 1);
  return out;
}

}  // namespace

std::string CellCheck::both() const { return both_sides(real, model, model_result); }

CellCheck check_cell(const hh::ScenarioConfig& real, const ModelConfig& model, const Limits& limits) {
  CellCheck c;
  c.real_config = real;
  c.real_config.mode = hh::Mode::deterministic;
  c.model = model;
  c.model_result = explore(make_model(model), limits);
  c.real = hh::run_scenario(c.real_config);
  c.agree = c.model_result.verdict != Verdict::incomplete && c.real.verdict() == predicted(c.model_result.verdict);
  return c;
}

std::vector<hh::ScenarioConfig> deterministic_cells(const hh::ScenarioConfig& base, unsigned timeout_ms) {
  std::vector<hh::ScenarioConfig> out = hh::torture_matrix(base, 0);
  for (hh::ScenarioConfig& c : out) {
    c.mode = hh::Mode::deterministic;
    c.trials = 1;
    c.duration_s = 0;
    c.stop_at_first_hang = false;
    c.timeout_ms = timeout_ms;
  }
  return out;
}

std::string Replay::both() const {
  return fmt::format("replay schedule: {}\n", schedule) + both_sides(real, model, model_result);
}

Replay replay_cell(const hh::ScenarioConfig& real, const Limits& limits) {
  Replay r;
  r.model = model_of(real);
  r.model_result = explore(make_model(r.model), limits);
  r.real_config = real;
  r.real_config.mode = hh::Mode::deterministic;
  r.real_config.trials = 1;
  r.real_config.readers = r.model.readers;
  const auto hang = std::find_if(r.model_result.counterexamples.begin(), r.model_result.counterexamples.end(),
                                 [](const Counterexample& c) { return c.kind == "hang"; });
  if (hang != r.model_result.counterexamples.end()) {
    r.replayed = true;
    r.real_config.hold_from_write = hang->writes_before_irqoff + 1;
    r.schedule = fmt::format(
        "the reader sits out protocol writes 1..{} parked with IRQs on (it acknowledges their syncs), then is held "
        "in an IRQ-off section from write {} on ({} writes in the trace)",
        hang->writes_before_irqoff, hang->writes_before_irqoff + 1, hang->writes);
    if (hang->writes_before_irqoff == 0)
      r.schedule = "the reader is held in an IRQ-off section from the first protocol write on (the default schedule)";
  } else {
    r.schedule = "no hang trace to replay: the default schedule (held in an IRQ-off section across every write)";
  }
  r.real = hh::run_scenario(r.real_config);
  r.agree = r.model_result.verdict != Verdict::incomplete && r.real.verdict() == predicted(r.model_result.verdict);
  return r;
}

}  // namespace pokebench::explore
