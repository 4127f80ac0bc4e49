#include <pokebench/bench/benchmarks.hpp>
#include <pokebench/bench/compare.hpp>
#include <pokebench/bench/insns.hpp>
#include <pokebench/harness/torture.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace pokebench::bench {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kStrategies[] = {"per-site", "batched", "ordered", "cached", "cookie"};
constexpr const char* kBaselines[] = {"plain", "load-test"};

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json correctness_json(const std::optional<DirectionCorrectness>& d) {
  if (!d) return nullptr;
  return {{"trials", d->trials},
          {"hangs", d->hangs},
          {"torn_reads", d->torn_reads},
          {"unchecked_reads", d->unchecked_reads},
          {"max_retries", d->max_retries}};
}

json cost_json(const StrategyCost& c) {
  return {{"cycles_per_iter", {{"off", opt(c.cycles_off)}, {"on", opt(c.cycles_on)}, {"flipping", opt(c.cycles_flipping)}}},
          {"insns_per_iter", {{"off", opt(c.insns_off)}, {"on", opt(c.insns_on)}}},
          {"flip_us", {{"sites", kCompareFlipSites}, {"median", opt(c.flip_us_median)}}},
          {"syncs_per_flip", opt(c.syncs_per_flip)}};
}

std::string num(const std::optional<double>& v, int decimals) {
  return v ? fmt::format("{:.{}f}", *v, decimals) : std::string("-");
}
std::string hangs(const std::optional<DirectionCorrectness>& d) {
  return d ? fmt::format("{}/{}", d->hangs, d->trials) : std::string("-");
}
std::string torn(const StrategyRow& r) {
  if (!r.enable && !r.disable) return "-";
  return fmt::format("{}", (r.enable ? r.enable->torn_reads : 0) + (r.disable ? r.disable->torn_reads : 0));
}
std::string retries(const StrategyRow& r) {
  if (!r.enable && !r.disable) return "-";
  return fmt::format("{}", std::max(r.enable ? r.enable->max_retries : 0, r.disable ? r.disable->max_retries : 0));
}

const std::vector<std::string> kHeader = {"strategy",        "hangs/trials enable", "hangs/trials disable", "torn reads",
                                          "max retries",     "cycles/iter off",     "on",                   "flipping",
                                          "insns/iter off",  "on",                  "flip us (64 sites)",   "syncs/flip"};

std::vector<std::string> cells(const StrategyRow& r) {
  return {r.name,
          hangs(r.enable),
          hangs(r.disable),
          torn(r),
          retries(r),
          num(r.cost.cycles_off, 2),
          num(r.cost.cycles_on, 2),
          num(r.cost.cycles_flipping, 2),
          num(r.cost.insns_off, 0),
          num(r.cost.insns_on, 0),
          num(r.cost.flip_us_median, 0),
          num(r.cost.syncs_per_flip, 0)};
}

std::string context_line(const CompareContext& c) {
  return fmt::format("{} | {} | {} CPUs{} | {} | counters: {}{} | {} | git {}", c.cpu_model, c.kernel, c.cpus,
                     c.vm ? fmt::format(" ({})", c.hypervisor.empty() ? "VM" : c.hypervisor) : "", c.compiler,
                     c.counters,
                     c.counters == "tsc" ? fmt::format(" ({:.3f} GHz; core ~{:.2f} GHz)", c.tsc_ghz, c.core_ghz_estimate) : "",
                     c.date,
                     c.git_sha.substr(0, 12));
}

} // namespace

nlohmann::ordered_json to_json(const CompareReport& r) {
  const auto& c = r.context;
  json j;
  j["schema_version"] = kCompareSchemaVersion;
  j["context"] = {{"git_sha", c.git_sha},   {"compiler", c.compiler},   {"flags", c.flags},
                  {"kernel", c.kernel},     {"cpu_model", c.cpu_model}, {"cpus", c.cpus},
                  {"vm", c.vm},             {"hypervisor", c.hypervisor}, {"counters", c.counters},
                  {"tsc_ghz", c.tsc_ghz},   {"core_ghz_estimate", c.core_ghz_estimate},
                  {"date", c.date}};
  j["strategies"] = json::array();
  for (const auto& s : r.strategies)
    j["strategies"].push_back({{"name", s.name},
                               {"correctness", {{"enable", correctness_json(s.enable)}, {"disable", correctness_json(s.disable)}}},
                               {"cost", cost_json(s.cost)}});
  j["baselines"] = json::array();
  for (const auto& b : r.baselines) j["baselines"].push_back({{"name", b.name}, {"cost", cost_json(b.cost)}});
  j["notes"] = r.notes;
  return j;
}

std::string render_text(const CompareReport& r) {
  std::vector<std::vector<std::string>> rows{kHeader};
  for (const auto& s : r.strategies) rows.push_back(cells(s));
  for (const auto& b : r.baselines) rows.push_back(cells(b));
  std::vector<std::size_t> width(kHeader.size(), 0);
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::string out = context_line(r.context) + "\n";
  for (std::size_t k = 0; k < rows.size(); ++k) {
    if (k == 1 + r.strategies.size() && !r.baselines.empty()) out += "baselines:\n";
    for (std::size_t i = 0; i < rows[k].size(); ++i)
      out += i == 0 ? fmt::format("{:<{}}", rows[k][i], width[i]) : fmt::format("  {:>{}}", rows[k][i], width[i]);
    out += "\n";
  }
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
  line(kHeader);
  out += "|---|";
  for (std::size_t i = 1; i < kHeader.size(); ++i) out += "---:|";
  out += "\n";
  for (const auto& s : r.strategies) line(cells(s));
  for (const auto& b : r.baselines) {
    auto c = cells(b);
    c[0] = "_" + c[0] + "_ (baseline)";
    line(c);
  }
  if (!r.notes.empty()) {
    out += "\n";
    for (const auto& n : r.notes) out += "- " + n + "\n";
  }
  return out;
}

CompareReport run_compare(const CompareOptions& o) {
  const auto say = [&o](const std::string& s) {
    if (o.progress) o.progress(s);
  };
  const double correctness_s = o.correctness_seconds > 0 ? o.correctness_seconds : (o.quick ? 30.0 : 120.0);
  const int reps = o.repetitions > 0 ? o.repetitions : (o.quick ? 3 : 9);
  const double min_time = o.min_time > 0 ? o.min_time : (o.quick ? 0.05 : 0.2);

  CompareReport report;
  report.context = collect_context();
  std::map<std::string, StrategyRow> rows;
  for (const char* s : kStrategies) rows[s].name = s;
  for (const char* s : kBaselines) rows[s].name = s;

  // 1. Correctness: the harness's stress matrix, bounded. First, while this
  // process is still single-threaded (the harness forks trial children).
  if (o.correctness) {
    say(fmt::format("correctness: stress matrix (5 strategies x 2 directions x 6 orders x 2 int3 policies) within "
                    "{:.0f} s",
                    correctness_s));
    // The harness's defaults (1 s CSD timeout): a shorter one turns a loaded
    // machine's slow acknowledgement into a false hang.
    const harness::ScenarioConfig base;
    std::map<std::string, std::size_t> cells_done;
    const harness::TortureResult tr = harness::run_torture(
        correctness_s,
        [&](const harness::TortureCell& cell, std::size_t i, std::size_t n) {
          const std::string name = cell.config.strategy;
          auto& row = rows[name];
          auto& d = cell.config.direction == harness::Direction::enable ? row.enable : row.disable;
          if (!d) d.emplace();
          const auto& res = cell.result;
          d->trials += res.trials;
          d->hangs += res.hung_trials;
          d->torn_reads += res.oracles.torn_reads;
          d->unchecked_reads += res.oracles.unchecked_inflight;
          d->max_retries = std::max<std::uint64_t>(d->max_retries, res.oracles.max_retries);
          const std::string key = name + "/" + harness::to_string(cell.config.direction);
          if (++cells_done[key] == 12 || i + 1 == n)
            say(fmt::format("correctness: {:>3}/{} cells; {:<8} {:<7} hangs/trials {}/{}, torn {}", i + 1, n, name,
                            harness::to_string(cell.config.direction), d->hangs, d->trials, d->torn_reads));
        },
        base);
    if (tr.interrupted) report.notes.push_back("correctness phase interrupted: counts are partial");
  } else {
    report.notes.push_back("correctness not run (--no-correctness)");
  }

  // 2. Cost: the benchmarks, medians over repetitions.
  const std::string filter = fmt::format("^(loop/.*|patch/(per-site|batched)/procmem/sites:{})$", kCompareFlipSites);
  say(fmt::format("cost: loop/* and patch/*/procmem/sites:{} benchmarks, {} repetitions of {} s", kCompareFlipSites,
                  reps, min_time));
  const std::vector<Row> bench_rows = run_rows(filter, reps, min_time);
  std::map<std::string, Row> by_name;
  std::size_t unstable = 0;
  for (const auto& r : bench_rows) {
    by_name[r.name] = r;
    if (r.spread > 0.05) ++unstable;
    if (r.error) report.notes.push_back(fmt::format("{} failed: {}", r.name, r.error_message));
  }
  if (unstable > 0)
    report.notes.push_back(fmt::format("{} benchmark rows varied more than 5% between repetitions; rerun on an idle "
                                       "machine (or without --quick) before trusting small differences",
                                       unstable));
  const auto cycles = [&by_name](const std::string& name) -> std::optional<double> {
    const auto it = by_name.find(name);
    if (it == by_name.end() || it->second.error) return std::nullopt;
    return it->second.cycles_per_iter;
  };
  for (auto& [name, row] : rows) {
    row.cost.cycles_off = cycles("loop/" + name + "/off");
    row.cost.cycles_on = cycles("loop/" + name + "/on");
    row.cost.cycles_flipping = cycles("loop/" + name + "/flipping");
    if (name == "plain" || name == "load-test") continue;
    // Every strategy but `batched` patches per site (harness apply_mode_for).
    const auto it = by_name.find(fmt::format("patch/{}/procmem/sites:{}", name == "batched" ? "batched" : "per-site",
                                             kCompareFlipSites));
    if (it != by_name.end() && !it->second.error) {
      row.cost.flip_us_median = it->second.flip_us;
      row.cost.syncs_per_flip = it->second.syncs;
    }
  }

  report.notes.push_back(fmt::format(
      "flip us / syncs: one flip of a {}-site key in the strategy's apply mode (patch/batched/procmem/sites:{} for "
      "batched, patch/per-site/procmem/sites:{} for the others; ordered rewrites as many sites, across two keys)",
      kCompareFlipSites, kCompareFlipSites, kCompareFlipSites));

  // 3. Exact instructions per iteration (callgrind).
  if (o.insns) {
    say("insns: loop/*/off and loop/*/on under callgrind");
    try {
      InsnOptions io;
      io.filter = "^loop/";
      io.child_args = o.insns_child_prefix;
      io.child_args.push_back(io.filter);
      for (const auto& c : count_instructions(io)) {
        const auto slash = c.name.rfind('/');
        const std::string variant = c.name.substr(5, slash - 5);
        const auto it = rows.find(variant);
        if (it == rows.end()) continue;
        (c.name.ends_with("/off") ? it->second.cost.insns_off : it->second.cost.insns_on) = c.per_iter;
      }
    } catch (const std::exception& e) {
      report.notes.push_back(fmt::format("instruction counts missing: {}", e.what()));
    }
  } else {
    report.notes.push_back("instruction counts not run (--no-insns)");
  }

  for (const char* s : kStrategies) report.strategies.push_back(rows[s]);
  for (const char* s : kBaselines) report.baselines.push_back(rows[s]);
  return report;
}

} // namespace pokebench::bench
