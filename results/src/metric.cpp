// The gate's metric per benchmark family (see metric.hpp and results/README.md).
#include <pokebench/results/metric.hpp>
#include <pokebench/results/regress.hpp>

#include <algorithm>
#include <cmath>
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
    if (benchmark.find("/writer:") != std::string::npos) return Family::writer;
    if (ends_with(benchmark, "/flipping")) return Family::loop_flipping;
    if (ends_with(benchmark, "/off") || ends_with(benchmark, "/on")) return Family::loop_steady;
    return Family::other;
  }
  if (starts_with(benchmark, "write/")) return Family::writer;
  if (starts_with(benchmark, "patch/")) return Family::patch;
  if (starts_with(benchmark, "sync/")) return Family::sync;
  return Family::other;
}

namespace {

// The one table of the families' rules: the metric, whether history gates it,
// how a run's repetitions are summarised, and why (shown in every output).
struct FamilyRule {
  Family family;
  const char* name;
  const char* metric;
  bool gated;
  Statistic statistic;
  const char* why;
  const char* missing = "";  // why, when the current run lacks the counter
};
constexpr FamilyRule kFamilyRules[] = {
    {Family::loop_steady, "loop off/on", "cycles_per_iter", true, Statistic::fastest, "loop off/on: cycles",
     "no cycles_per_iter counter: shown, not gated (wall time never gates a loop)"},
    {Family::loop_flipping, "loop flipping", kReferenceCounter, true, Statistic::median,
     "cost in units of the run's own sync round trip", "no reference: shown, not gated"},
    {Family::patch, "patch", kReferenceCounter, true, Statistic::median,
     "cost in units of the run's own sync round trip", "no reference: shown, not gated"},
    {Family::sync, "sync", "real_time", false, Statistic::median,
     "environment: shown, gated only in A/B (pokebench ab)"},
    {Family::writer, "writer", "cycles_per_iter", false, Statistic::median,
     "a reader and a writer on two vCPUs: shown, gated only in A/B (pokebench ab)",
     "no cycles_per_iter counter: shown, gated only in A/B (pokebench ab)"},
    {Family::other, "other", "real_time", true, Statistic::median, "no family rule: wall time"},
};

const FamilyRule& rule_of(Family f) {
  for (const FamilyRule& r : kFamilyRules)
    if (r.family == f) return r;
  return kFamilyRules[std::size(kFamilyRules) - 1];
}

}  // namespace

const char* to_string(Family f) { return rule_of(f).name; }

Statistic statistic_of(const std::string& benchmark) { return rule_of(family_of(benchmark)).statistic; }

const char* to_string(Statistic s) { return s == Statistic::fastest ? "fastest" : "median"; }

double run_value(Statistic s, const std::vector<double>& repetitions) {
  if (repetitions.empty()) return NAN;
  if (s == Statistic::fastest) return *std::min_element(repetitions.begin(), repetitions.end());
  return median(repetitions);
}

// `carries(counter)`: some current sample of the benchmark has the counter.
template <class Carries>
MetricChoice default_metric_by(const std::string& benchmark, Carries carries) {
  const FamilyRule& r = rule_of(family_of(benchmark));
  if (std::string_view(r.metric) == "real_time" || carries(r.metric)) return {r.metric, r.gated, r.why, r.statistic};
  // Wall time never gates a row whose family has a counter of its own.
  return {"real_time", false, r.missing};
}

MetricChoice default_metric(const ResultDocument& current, const std::string& benchmark) {
  return default_metric_by(benchmark, [&](const char* counter) { return carries(current, benchmark, counter); });
}

MetricChoice default_metric(const SampleRows& current_rows, const std::string& benchmark) {
  return default_metric_by(benchmark, [&](const char* counter) {
    return std::any_of(current_rows.begin(), current_rows.end(),
                       [&](const Sample* s) { return s->counters.contains(counter); });
  });
}

std::string ab_metric(const std::string& benchmark) { return rule_of(family_of(benchmark)).metric; }

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
