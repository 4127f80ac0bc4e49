// `pokebench compare`'s renderers: the JSON document (schema in
// compare.hpp, pinned by tests/golden/compare.json), the text table and
// Markdown. Pure functions of a CompareReport.
#include <pokebench/bench/compare.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pokebench::bench {
namespace {

using json = nlohmann::ordered_json;

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json correctness_json(const std::optional<DirectionCorrectness>& d) {
  if (!d) return nullptr;
  return {{"trials", d->trials},
          {"hangs", d->hangs},
          {"torn_reads", d->torn_reads},
          {"violations", d->violations},
          {"lock_inversions", d->lock_inversions},
          {"unchecked_reads", d->unchecked_reads},
          {"max_retries", d->max_retries}};
}

json cost_json(const StrategyCost& c) {
  return {
      {"cycles_per_iter", {{"off", opt(c.cycles_off)}, {"on", opt(c.cycles_on)}, {"flipping", opt(c.cycles_flipping)}}},
      {"insns_per_iter", {{"off", opt(c.insns_off)}, {"on", opt(c.insns_on)}}},
      {"flip_us", {{"sites", kCompareFlipSites}, {"median", opt(c.flip_us_median)}}},
      {"syncs_per_flip", opt(c.syncs_per_flip)},
      {"with_writer",
       {{"period_us", kCompareWriterPeriodUs},
        {"cycles_per_read", opt(c.cycles_writer)},
        {"retries_per_read", opt(c.retries_writer)}}}};
}

json model_json(const std::optional<ModelVerdict>& m) {
  if (!m) return nullptr;
  return {{"verdict", m->verdict},         {"proved", m->proved()},     {"agrees_with_stress", m->agrees},
          {"max_readers", m->max_readers}, {"max_sites", m->max_sites}, {"configurations", m->configurations},
          {"failing", m->failing},         {"states", m->states},       {"seconds", m->seconds}};
}

// "proved up to 2 readers, 2 site pairs", "HANG in 54/96", ...
std::string model_cell(const std::optional<ModelVerdict>& m) {
  if (!m) return "-";
  if (m->proved()) return fmt::format("proved up to {} readers, {} site pairs", m->max_readers, m->max_sites);
  std::string s = m->verdict == "OK" ? "OK" : m->verdict;
  if (m->failing) s += fmt::format(" in {}/{}", m->failing, m->configurations);
  if (!m->agrees) s += " (stress disagrees)";
  return s;
}

std::string num(const std::optional<double>& v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : std::string("-");
}
std::string hangs(const std::optional<DirectionCorrectness>& d) {
  return d ? fmt::format("{}/{}", d->hangs, d->trials) : std::string("-");
}
// A count summed over both directions; "-" when neither ran.
std::string both(const StrategyRow& r, std::uint64_t DirectionCorrectness::*count) {
  if (!r.enable && !r.disable) return "-";
  return fmt::format("{}", (r.enable ? *r.enable.*count : 0) + (r.disable ? *r.disable.*count : 0));
}
std::string retries(const StrategyRow& r) {
  if (!r.enable && !r.disable) return "-";
  return fmt::format("{}", std::max(r.enable ? r.enable->max_retries : 0, r.disable ? r.disable->max_retries : 0));
}

const std::vector<std::string> kHeader = {"strategy",           "hangs/trials enable", "hangs/trials disable",
                                          "torn reads",         "violations",          "lock inversions",
                                          "max retries",        "cycles/iter off",     "on",
                                          "flipping",           "insns/iter off",      "on",
                                          "flip us (64 sites)", "syncs/flip",          "with writer 10us: cycles/read",
                                          "retries/read",       "model (explore)"};

// strategy .. max retries: every scenario's columns. The rest are the slub
// scenario's benchmarks and model; another scenario's cost is its own table.
constexpr std::size_t kCorrectnessColumns = 7;

// The main table's columns for this report's scenario.
std::vector<std::string> columns(const CompareReport& r, std::vector<std::string> row) {
  if (r.scenario != "slub" && r.baselines.empty()) row.resize(kCorrectnessColumns);
  return row;
}

std::vector<std::string> cells(const StrategyRow& r) {
  return {r.name,
          hangs(r.enable),
          hangs(r.disable),
          both(r, &DirectionCorrectness::torn_reads),
          both(r, &DirectionCorrectness::violations),
          both(r, &DirectionCorrectness::lock_inversions),
          retries(r),
          num(r.cost.cycles_off, 2),
          num(r.cost.cycles_on, 2),
          num(r.cost.cycles_flipping, 2),
          num(r.cost.insns_off, 0),
          num(r.cost.insns_on, 0),
          num(r.cost.flip_us_median, 0),
          num(r.cost.syncs_per_flip, 0),
          num(r.cost.cycles_writer, 2),
          num(r.cost.retries_writer, 4),
          model_cell(r.model)};
}

json scenario_cost_json(const std::vector<harness::CostFigure>& figures) {
  json a = json::array();
  for (const harness::CostFigure& f : figures)
    a.push_back({{"name", f.name},
                 {"unit", f.unit},
                 {"median", opt(f.median)},
                 {"min", opt(f.min)},
                 {"max", opt(f.max)},
                 {"samples", f.samples},
                 {"why", f.why.empty() ? json(nullptr) : json(f.why)}});
  return a;
}

// The scenario-cost table: a column per figure name (in the rows' order), a
// row per strategy with figures; "median [min-max]" or "not measured".
// Empty when no row has a figure.
std::vector<std::vector<std::string>> scenario_cost_table(const CompareReport& r) {
  std::vector<std::string> header{"strategy"};
  for (const auto& s : r.strategies)
    for (const harness::CostFigure& f : s.scenario_cost) {
      const std::string h = f.name + " " + f.unit;
      if (std::find(header.begin(), header.end(), h) == header.end()) header.push_back(h);
    }
  if (header.size() == 1) return {};
  std::vector<std::vector<std::string>> rows{header};
  for (const auto& s : r.strategies) {
    if (s.scenario_cost.empty()) continue;
    std::vector<std::string> row(header.size(), "-");
    row[0] = s.name;
    for (const harness::CostFigure& f : s.scenario_cost) {
      const auto at = std::find(header.begin(), header.end(), f.name + " " + f.unit) - header.begin();
      row[at] = f.median ? fmt::format("{:.1f} [{:.1f}-{:.1f}]", *f.median, f.min.value_or(*f.median),
                                       f.max.value_or(*f.median))
                         : std::string("not measured");
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Text columns: the first left-aligned, the rest right-aligned.
std::string aligned(const std::vector<std::vector<std::string>>& rows, std::size_t baselines_from) {
  std::vector<std::size_t> width(rows.empty() ? 0 : rows[0].size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::string out;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    if (k == baselines_from) out += "baselines:\n";
    for (std::size_t i = 0; i < rows[k].size(); ++i)
      out += i == 0 ? fmt::format("{:<{}}", rows[k][i], width[i]) : fmt::format("  {:>{}}", rows[k][i], width[i]);
    out += "\n";
  }
  return out;
}

std::string context_line(const CompareContext& c) {
  return fmt::format(
      "{} | {} | {} CPUs{} | {} | counters: {}{} | {} | git {}", c.cpu_model, c.kernel, c.cpus,
      c.vm ? fmt::format(" ({})", c.hypervisor.empty() ? "VM" : c.hypervisor) : "", c.compiler, c.counters,
      c.counters == "tsc" ? fmt::format(" ({:.3f} GHz; core ~{:.2f} GHz)", c.tsc_ghz, c.core_ghz_estimate) : "", c.date,
      c.git_sha.substr(0, 12));
}

}  // namespace

bool stress_agrees(const std::string& verdict, const StrategyRow& row) noexcept {
  if (!row.enable || !row.disable) return false;
  const std::uint64_t hangs = row.enable->hangs + row.disable->hangs;
  const std::uint64_t torn = row.enable->torn_reads + row.disable->torn_reads;
  const std::uint64_t failed =
      row.enable->violations + row.disable->violations + row.enable->lock_inversions + row.disable->lock_inversions;
  if (verdict == "OK") return hangs == 0 && torn == 0 && failed == 0;
  if (verdict == "HANG") return hangs > 0;
  if (verdict == "UNSAFE") return torn > 0;
  return false;
}

nlohmann::ordered_json to_json(const CompareReport& r) {
  const auto& c = r.context;
  json j;
  j["schema_version"] = kCompareSchemaVersion;
  j["scenario"] = r.scenario;
  j["context"] = {{"git_sha", c.git_sha},
                  {"compiler", c.compiler},
                  {"flags", c.flags},
                  {"kernel", c.kernel},
                  {"cpu_model", c.cpu_model},
                  {"cpus", c.cpus},
                  {"vm", c.vm},
                  {"hypervisor", c.hypervisor},
                  {"counters", c.counters},
                  {"tsc_ghz", c.tsc_ghz},
                  {"core_ghz_estimate", c.core_ghz_estimate},
                  {"date", c.date}};
  j["strategies"] = json::array();
  for (const auto& s : r.strategies)
    j["strategies"].push_back(
        {{"name", s.name},
         {"is_fix", s.is_fix},
         {"known_bug", s.known_bug},
         {"correctness", {{"enable", correctness_json(s.enable)}, {"disable", correctness_json(s.disable)}}},
         {"cost", cost_json(s.cost)},
         {"model", model_json(s.model)},
         {"scenario_cost", scenario_cost_json(s.scenario_cost)}});
  j["baselines"] = json::array();
  for (const auto& b : r.baselines) j["baselines"].push_back({{"name", b.name}, {"cost", cost_json(b.cost)}});
  j["notes"] = r.notes;
  return j;
}

std::string render_text(const CompareReport& r) {
  std::vector<std::vector<std::string>> rows{columns(r, kHeader)};
  for (const auto& s : r.strategies) rows.push_back(columns(r, cells(s)));
  for (const auto& b : r.baselines) rows.push_back(columns(r, cells(b)));
  std::string out = context_line(r.context) + "\n";
  out += aligned(rows, r.baselines.empty() ? rows.size() : 1 + r.strategies.size());
  if (const auto cost = scenario_cost_table(r); !cost.empty())
    out += "scenario cost (median [min-max]):\n" + aligned(cost, cost.size());
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  return out;
}

std::string render_markdown(const CompareReport& r) {
  std::string out = "_" + context_line(r.context) + "_\n\n";
  auto line = [&out](const std::vector<std::string>& v) {
    out += "|";
    for (const auto& s : v) out += " " + s + " |";
    out += "\n";
  };
  auto header = [&](const std::vector<std::string>& v) {
    line(v);
    out += "|---|";
    for (std::size_t i = 1; i < v.size(); ++i) out += "---:|";
    out += "\n";
  };
  header(columns(r, kHeader));
  for (const auto& s : r.strategies) line(columns(r, cells(s)));
  for (const auto& b : r.baselines) {
    auto c = cells(b);
    c[0] = "_" + c[0] + "_ (baseline)";
    line(c);
  }
  if (const auto cost = scenario_cost_table(r); !cost.empty()) {
    out += "\nScenario cost (median [min-max]):\n\n";
    header(cost[0]);
    for (std::size_t k = 1; k < cost.size(); ++k) line(cost[k]);
  }
  if (!r.notes.empty()) {
    out += "\n";
    for (const auto& n : r.notes) out += "- " + n + "\n";
  }
  return out;
}

}  // namespace pokebench::bench
