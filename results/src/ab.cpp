// pokebench ab's decision (ab.hpp): process medians, the B/A ratio with its
// interval on the log scale, exact counters compared exactly.
#include <pokebench/results/ab.hpp>
#include <pokebench/results/hodges_lehmann.hpp>
#include <pokebench/results/metric.hpp>
#include <pokebench/support/names.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <stdexcept>

namespace pokebench::results {
namespace {

constexpr std::pair<AbVerdict, const char*> kAbVerdictNames[] = {{AbVerdict::same, "same"},
                                                                 {AbVerdict::slower, "SLOWER"},
                                                                 {AbVerdict::faster, "FASTER"},
                                                                 {AbVerdict::exact_change, "CHANGED"},
                                                                 {AbVerdict::unresolved, "unresolved"},
                                                                 {AbVerdict::missing, "missing"}};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The field's value in every process of a side that has the benchmark.
std::vector<double> values(const std::vector<ProcessSample>& side, const std::string& name, const std::string& field) {
  std::vector<double> out;
  for (const ProcessSample& p : side) {
    const auto row = p.rows.find(name);
    if (row == p.rows.end()) continue;
    const auto v = row->second.find(field);
    if (v != row->second.end()) out.push_back(v->second);
  }
  return out;
}

bool has_field(const std::vector<ProcessSample>& side, const std::string& name, const std::string& field) {
  for (const ProcessSample& p : side) {
    const auto row = p.rows.find(name);
    if (row != p.rows.end() && row->second.contains(field)) return true;
  }
  return false;
}

// "" when every process of both sides agrees with its own side and the sides
// agree; else what differs.
std::string exact_difference(const std::vector<ProcessSample>& a, const std::vector<ProcessSample>& b,
                             const std::string& name, const std::string& counter) {
  const std::vector<double> va = values(a, name, counter), vb = values(b, name, counter);
  if (va.empty() && vb.empty()) return "";
  if (va.empty() || vb.empty()) return fmt::format("{} only in {}", counter, va.empty() ? "B" : "A");
  const auto [a_lo, a_hi] = std::minmax_element(va.begin(), va.end());
  const auto [b_lo, b_hi] = std::minmax_element(vb.begin(), vb.end());
  if (*a_lo == *b_lo && *a_hi == *b_hi && *a_lo == *a_hi) return "";
  const auto show = [](double lo, double hi) {
    return lo == hi ? fmt::format("{:g}", lo) : fmt::format("{:g}..{:g}", lo, hi);
  };
  return fmt::format("{} {} -> {}", counter, show(*a_lo, *a_hi), show(*b_lo, *b_hi));
}

AbRow judge(const std::vector<ProcessSample>& a, const std::vector<ProcessSample>& b, const std::string& name,
            double alpha_row, double min_change) {
  AbRow r;
  r.name = name;
  r.metric = ab_metric(name);
  // An older build may not emit the family's metric (bisecting across the
  // commit that added it): judged on real_time then, and said so.
  if (!has_field(a, name, r.metric) || !has_field(b, name, r.metric)) {
    r.note = fmt::format("{} missing in {}: judged on real_time", r.metric, has_field(a, name, r.metric) ? "B" : "A");
    r.metric = "real_time";
  }
  const std::vector<double> va = values(a, name, r.metric), vb = values(b, name, r.metric);
  r.samples_a = static_cast<int>(va.size());
  r.samples_b = static_cast<int>(vb.size());
  if (va.empty() || vb.empty()) {
    r.verdict = AbVerdict::missing;
    r.note = fmt::format("no sample in {}", va.empty() ? "A" : "B");
    return r;
  }
  r.median_a = median(va);
  r.median_b = median(vb);
  std::vector<std::string> changed;
  for (const std::string& c : kExactCounters)
    if (std::string d = exact_difference(a, b, name, c); !d.empty()) changed.push_back(std::move(d));
  const auto positive = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return x > 0 && std::isfinite(x); });
  };
  if (!positive(va) || !positive(vb)) {
    r.verdict = changed.empty() ? AbVerdict::unresolved : AbVerdict::exact_change;
    r.note = fmt::format("{} is not positive in every sample: no ratio", r.metric);
  } else {
    std::vector<double> la, lb;
    for (double v : va) la.push_back(std::log(v));
    for (double v : vb) lb.push_back(std::log(v));
    const ShiftEstimate e = hodges_lehmann(la, lb, alpha_row);
    r.ratio = std::exp(e.shift);
    r.bounded = e.bounded;
    r.lower = std::exp(e.lower);
    r.upper = std::exp(e.upper);
    if (!e.bounded)
      r.verdict = AbVerdict::unresolved;
    else if (r.lower > 1 && r.ratio - 1 >= min_change)
      r.verdict = AbVerdict::slower;
    else if (r.upper < 1 && 1 - r.ratio >= min_change)
      r.verdict = AbVerdict::faster;
    else
      r.verdict = AbVerdict::same;
  }
  if (!changed.empty()) {
    r.verdict = AbVerdict::exact_change;
    std::string all;
    for (const auto& c : changed) all += (all.empty() ? "" : "; ") + c;
    r.note = r.note.empty() ? all : r.note + "; " + all;
  }
  return r;
}

}  // namespace

ProcessSample to_process_sample(const ResultDocument& doc) {
  std::map<std::string, std::map<std::string, std::vector<double>>> fields;
  for (const Sample& s : doc.samples) {
    auto& f = fields[s.benchmark];
    f["real_time"].push_back(s.real_time_ns);
    f["cpu_time"].push_back(s.cpu_time_ns);
    for (const auto& [k, v] : s.counters) f[k].push_back(v);
  }
  ProcessSample p;
  p.origin = doc.origin;
  // A process's sample of a row is what the nightly gate judges that row on
  // (metric.hpp, statistic_of): loop off/on rows their fastest repetition,
  // the others the median of their repetitions.
  for (auto& [name, f] : fields) {
    const Statistic statistic = statistic_of(name);
    for (auto& [k, v] : f) p.rows[name][k] = run_value(statistic, v);
  }
  return p;
}

const char* to_string(AbVerdict v) noexcept { return support::name_of(kAbVerdictNames, v); }

int AbReport::counted(AbVerdict v) const {
  return static_cast<int>(std::count_if(rows.begin(), rows.end(), [v](const AbRow& r) { return r.verdict == v; }));
}

bool AbReport::changed() const { return regressed() || counted(AbVerdict::faster) > 0; }
bool AbReport::regressed() const { return counted(AbVerdict::slower) + counted(AbVerdict::exact_change) > 0; }

AbReport decide_ab(const std::vector<ProcessSample>& a, const std::vector<ProcessSample>& b, const AbOptions& o) {
  if (a.empty() || b.empty()) throw std::invalid_argument("decide_ab: a side has no process samples");
  std::set<std::string> names;
  for (const auto* side : {&a, &b})
    for (const ProcessSample& p : *side)
      for (const auto& [name, _] : p.rows) names.insert(name);
  AbReport r;
  r.options = o;
  // Bonferroni over every benchmark judged: at most alpha false alarms per A/A run.
  r.alpha_per_row = o.alpha / static_cast<double>(std::max<std::size_t>(names.size(), 1));
  r.rounds_needed = min_samples_for(r.alpha_per_row);
  for (const std::string& name : names) r.rows.push_back(judge(a, b, name, r.alpha_per_row, o.min_change_pct / 100));
  return r;
}

std::string ab_verdict_line(const AbReport& r) {
  const int slower = r.counted(AbVerdict::slower), faster = r.counted(AbVerdict::faster),
            exact = r.counted(AbVerdict::exact_change), unresolved = r.counted(AbVerdict::unresolved);
  std::string line = fmt::format(
      "verdict: {} slower={} faster={} counters_changed={} same={} unresolved={} "
      "(alpha {:g} over {} benchmarks, min change {:g}%)",
      r.changed() ? "CHANGED" : "SAME", slower, faster, exact, r.counted(AbVerdict::same), unresolved, r.options.alpha,
      r.rows.size(), r.options.min_change_pct);
  if (unresolved > 0) line += fmt::format("; unresolved rows need at least {} rounds", r.rounds_needed);
  return line;
}

std::string format_ab_text(const AbReport& r) {
  std::size_t w = 9;
  for (const AbRow& row : r.rows) w = std::max(w, row.name.size());
  std::string out = fmt::format("{:<{}}  {:<15}  {:>5}  {:>12}  {:>12}  {:>8}  {:>19}  {}\n", "benchmark", w, "metric",
                                "n A/B", "median A", "median B", "B/A", "interval", "verdict");
  for (const AbRow& row : r.rows) {
    const std::string interval =
        row.bounded ? fmt::format("[{:.4f}, {:.4f}]", row.lower, row.upper) : std::string("unbounded");
    out += fmt::format("{:<{}}  {:<15}  {:>5}  {:>12.5g}  {:>12.5g}  {:>8.4f}  {:>19}  {}{}\n", row.name, w, row.metric,
                       fmt::format("{}/{}", row.samples_a, row.samples_b), row.median_a, row.median_b, row.ratio,
                       interval, to_string(row.verdict), row.note.empty() ? "" : "  (" + row.note + ")");
  }
  return out + ab_verdict_line(r) + "\n";
}

nlohmann::json format_ab_json(const AbReport& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const AbRow& row : r.rows) {
    nlohmann::json j = {{"benchmark", row.name},
                        {"metric", row.metric},
                        {"samples_a", row.samples_a},
                        {"samples_b", row.samples_b},
                        {"median_a", row.median_a},
                        {"median_b", row.median_b},
                        {"ratio", row.ratio},
                        {"verdict", to_string(row.verdict)},
                        {"note", row.note}};
    j["interval"] = row.bounded ? nlohmann::json::array({row.lower, row.upper}) : nlohmann::json(nullptr);
    rows.push_back(std::move(j));
  }
  return {{"alpha", r.options.alpha},
          {"alpha_per_row", r.alpha_per_row},
          {"min_change_pct", r.options.min_change_pct},
          {"rounds_needed", r.rounds_needed},
          {"changed", r.changed()},
          {"regressed", r.regressed()},
          {"verdict", ab_verdict_line(r)},
          {"rows", std::move(rows)}};
}

}  // namespace pokebench::results
