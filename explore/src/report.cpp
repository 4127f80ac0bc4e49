// Results in words and JSON.
#include <pokebench/explore/report.hpp>

#include <fmt/format.h>

namespace pokebench::explore {

namespace pp = pokebench::patcher;

std::string format_counterexample(const Counterexample& c, std::size_t number) {
  std::string s = fmt::format("counterexample {} ({}, {} steps): {}\n", number, c.kind, c.steps.size(), c.summary);
  for (const std::string& line : c.steps) s += "  " + line + "\n";
  if (!c.loop.empty()) {
    s += "  then, forever (IRQs off, the sync's IPI never taken):\n";
    for (const std::string& line : c.loop) s += "       " + line + "\n";
  }
  return s;
}

std::string verdict_line(const ModelConfig& c, const Result& r, std::uint64_t max_states) {
  std::string what;
  switch (r.verdict) {
    case Verdict::ok:
      what = "every reachable state explored";
      break;
    case Verdict::incomplete:
      what = fmt::format("state limit {} reached: NOT a proof (raise --max-states or lower --readers/--sites)",
                         max_states);
      break;
    default:
      what = fmt::format("{} counterexample(s)", r.counterexamples.size());
      break;
  }
  return fmt::format("verdict: {} {} states={} transitions={} ({:.2f} s; {})", to_string(r.verdict), describe(c),
                     r.states, r.transitions, r.seconds, what);
}

nlohmann::ordered_json result_json(const ModelConfig& c, const Result& r) {
  nlohmann::ordered_json ces = nlohmann::ordered_json::array();
  for (const Counterexample& ce : r.counterexamples)
    ces.push_back({{"kind", ce.kind}, {"summary", ce.summary}, {"steps", ce.steps}, {"loop", ce.loop}});
  return {{"strategy", c.strategy->name},
          {"readers", c.readers},
          {"sites", c.functions},
          {"direction", c.enable ? "enable" : "disable"},
          {"order", to_string(OrderChoice{c.order, c.first_tag})},
          {"int3", pp::to_string(c.int3)},
          {"apply", pp::to_string(c.apply)},
          {"batch_size", c.batch_size},
          {"writes", c.writes},
          {"togglers", c.mixed_togglers ? 2 : 1},
          {"views", pp::name_of(kViewsNames, c.views)},
          {"verdict", to_string(r.verdict)},
          {"states", r.states},
          {"transitions", r.transitions},
          {"seconds", r.seconds},
          {"limit_reached", r.limit_reached},
          {"counterexamples", ces}};
}

}  // namespace pokebench::explore
