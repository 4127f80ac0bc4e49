// The gate's metric per benchmark family (see metric.hpp and results/README.md).
#include <pokebench/results/metric.hpp>

#include <algorithm>
#include <set>

namespace pokebench::results {

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool carries(const ResultDocument& doc, const std::string& benchmark, const std::string& counter) {
  return std::any_of(doc.samples.begin(), doc.samples.end(),
                     [&](const Sample& s) { return s.benchmark == benchmark && s.counters.contains(counter); });
}

}  // namespace

Family family_of(const std::string& benchmark) {
  if (starts_with(benchmark, "loop/")) {
    if (ends_with(benchmark, "/flipping")) return Family::loop_flipping;
    if (ends_with(benchmark, "/off") || ends_with(benchmark, "/on")) return Family::loop_steady;
    return Family::other;
  }
  if (starts_with(benchmark, "patch/")) return Family::patch;
  if (starts_with(benchmark, "sync/")) return Family::sync;
  return Family::other;
}

const char* to_string(Family f) {
  switch (f) {
    case Family::loop_steady:
      return "loop off/on";
    case Family::loop_flipping:
      return "loop flipping";
    case Family::patch:
      return "patch";
    case Family::sync:
      return "sync";
    case Family::other:
      return "other";
  }
  return "?";
}

MetricChoice default_metric(const ResultDocument& current, const std::string& benchmark) {
  switch (family_of(benchmark)) {
    case Family::loop_steady:
      if (carries(current, benchmark, "cycles_per_iter")) return {"cycles_per_iter", true, "loop off/on: cycles"};
      return {"real_time", false, "no cycles_per_iter counter: shown, not gated (wall time never gates a loop)"};
    case Family::loop_flipping:
    case Family::patch:
      if (carries(current, benchmark, kReferenceCounter))
        return {kReferenceCounter, true, "cost in units of the run's own sync round trip"};
      return {"real_time", false, "no reference: shown, not gated"};
    case Family::sync:
      return {"real_time", false, "environment: shown, gated only in A/B (pokebench ab)"};
    case Family::other:
      break;
  }
  return {"real_time", true, "no family rule: wall time"};
}

std::vector<std::string> known_metrics(const std::vector<const ResultDocument*>& docs) {
  std::set<std::string> counters;
  for (const ResultDocument* d : docs)
    for (const Sample& s : d->samples)
      for (const auto& [name, value] : s.counters) counters.insert(name);
  std::vector<std::string> out{"real_time", "cpu_time"};
  out.insert(out.end(), counters.begin(), counters.end());
  return out;
}

bool is_exact_counter(const std::string& name) { return ends_with(name, "_per_flip") || name == "syncs"; }

}  // namespace pokebench::results
