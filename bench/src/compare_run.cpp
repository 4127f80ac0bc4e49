// `pokebench compare`'s run: correctness (the harness's stress matrix),
// cost (the benchmarks) and exact instructions (callgrind), joined into one
// CompareReport per strategy. Rendering is compare_format.cpp's.
#include <pokebench/bench/benchmarks.hpp>
#include <pokebench/bench/compare.hpp>
#include <pokebench/bench/insns.hpp>
#include <pokebench/bench/loops.hpp>
#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/torture.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <stdexcept>

namespace pokebench::bench {
namespace {

// The benchmarks' own baselines (bench/include/pokebench/bench/loops.hpp).
constexpr const char* kBaselines[] = {"plain", "load-test"};

// The slub scenario's cost: the loop/* and patch/* benchmarks, medians over
// `reps` repetitions, into the rows of its strategies and baselines.
void benchmark_costs(const harness::Scenario& sc, std::map<std::string, StrategyRow>& rows, int reps, double min_time,
                     CompareReport& report, const std::function<void(const std::string&)>& say) {
  // The loop variants by name: loop/<seqlock|latch|rwlock>/writer:* are not
  // compare's (no strategy, no /on row).
  std::string variants;
  for (const LoopVariant& v : loop_variants()) variants += (variants.empty() ? "" : "|") + std::string(v.name);
  const std::string filter =
      fmt::format("^(loop/({})/(off|on|flipping|writer:{})|patch/(per-site|batched)/procmem/sites:{})$", variants,
                  kCompareWriterPeriod, kCompareFlipSites);
  say(fmt::format(
      "cost: loop/*/(off|on|flipping|writer:{}) and patch/*/procmem/sites:{} benchmarks, {} repetitions of {} s",
      kCompareWriterPeriod, kCompareFlipSites, reps, min_time));
  const std::vector<Row> bench_rows = run_rows(filter, reps, min_time);
  std::map<std::string, Row> by_name;
  std::size_t unstable = 0;
  for (const auto& r : bench_rows) {
    by_name[r.name] = r;
    if (r.spread > 0.05) ++unstable;
    if (r.error) report.notes.push_back(fmt::format("{} failed: {}", r.name, r.error_message));
  }
  if (unstable > 0)
    report.notes.push_back(
        fmt::format("{} benchmark rows varied more than 5% between repetitions; rerun on an idle "
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
    const std::string writer_row = fmt::format("loop/{}/writer:{}", name, kCompareWriterPeriod);
    row.cost.cycles_writer = cycles(writer_row);
    if (const auto it = by_name.find(writer_row);
        row.cost.cycles_writer && it->second.counters.count("retries_per_read"))
      row.cost.retries_writer = it->second.counters.at("retries_per_read");
    if (name == "plain" || name == "load-test") continue;
    // The flip in the strategy's own apply mode (the scenario's table).
    const harness::StrategyInfo* st = sc.find_strategy(name);
    if (st == nullptr) continue;
    const auto it =
        by_name.find(fmt::format("patch/{}/procmem/sites:{}", patcher::to_string(st->apply), kCompareFlipSites));
    if (it != by_name.end() && !it->second.error) {
      row.cost.flip_us_median = it->second.flip_us;
      row.cost.syncs_per_flip = it->second.syncs;
    }
  }

  report.notes.push_back(fmt::format(
      "flip us / syncs: one flip of a {}-site key in the strategy's apply mode (patch/batched/procmem/sites:{} for "
      "batched, patch/per-site/procmem/sites:{} for the others; ordered rewrites as many sites, across two keys)",
      kCompareFlipSites, kCompareFlipSites, kCompareFlipSites));
}

// Every other scenario's cost: its own figures (Scenario::measure_cost) per strategy.
void scenario_costs(const harness::Scenario& sc, const CompareOptions& o, std::map<std::string, StrategyRow>& rows,
                    CompareReport& report, const std::function<void(const std::string&)>& say) {
  harness::CostOptions co;
  co.samples = o.cost_samples > 0 ? o.cost_samples : (o.quick ? 21u : 101u);
  say(fmt::format("cost: {}'s own figures (Scenario::measure_cost), {} timed runs each", sc.name(), co.samples));
  bool any = false;
  for (const harness::StrategyInfo* s : sc.listed_strategies()) {
    harness::ScenarioConfig cfg = o.base;
    cfg.strategy = s->name;
    StrategyRow& row = rows[s->name];
    row.scenario_cost = sc.measure_cost(cfg, co);
    any = any || !row.scenario_cost.empty();
    for (const harness::CostFigure& f : row.scenario_cost)
      if (!f.median) report.notes.push_back(fmt::format("{}: {} not measured: {}", s->name, f.name, f.why));
  }
  report.notes.push_back(any ? fmt::format("scenario cost: wall time of each operation on the emulated machine, "
                                           "median [min-max] of {} runs, nothing racing with it",
                                           co.samples)
                             : fmt::format("scenario cost: {} measures no cost (Scenario::measure_cost)", sc.name()));
}

}  // namespace

CompareReport run_compare(const CompareOptions& o) {
  const auto say = [&o](const std::string& s) {
    if (o.progress) o.progress(s);
  };
  if (o.insns && !o.insns_child_args)
    throw std::invalid_argument("run_compare: CompareOptions::insns_child_args is required to count instructions");
  const double correctness_s = o.correctness_seconds > 0 ? o.correctness_seconds : (o.quick ? 30.0 : 120.0);
  const int reps = o.repetitions > 0 ? o.repetitions : (o.quick ? 3 : 9);
  const double min_time = o.min_time > 0 ? o.min_time : (o.quick ? 0.05 : 0.2);

  CompareReport report;
  report.context = collect_context();
  const harness::Scenario& sc = harness::scenario_of(o.base);
  const std::vector<const harness::StrategyInfo*> strategies = sc.listed_strategies();
  report.scenario = sc.name();
  std::map<std::string, StrategyRow> rows;
  const std::optional<harness::Cell> bug = sc.known_bug();
  for (const harness::StrategyInfo* s : strategies) {
    rows[s->name].name = s->name;
    rows[s->name].is_fix = s->is_fix;
    rows[s->name].known_bug = bug && bug->strategy == s->name;
  }
  // The loop/* and patch/* benchmarks run the slub scenario's strategies.
  const bool costs = report.scenario == "slub";
  if (costs)
    for (const char* s : kBaselines) rows[s].name = s;

  // 1. Correctness: the harness's stress matrix, bounded. First, while this
  // process is still single-threaded (the harness forks trial children).
  if (o.correctness) {
    say(
        fmt::format("correctness: {} stress matrix ({} strategies x 2 directions x {} orders x 2 int3 policies) "
                    "within {:.0f} s",
                    sc.name(), strategies.size(), sc.orders().size(), correctness_s));
    // The harness's defaults (1 s CSD timeout) unless told otherwise: a
    // shorter one turns a loaded machine's slow acknowledgement into a false hang.
    const harness::ScenarioConfig& base = o.base;
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
          d->violations += res.oracles.violations;
          d->lock_inversions += res.oracles.lock_inversions;
          d->unchecked_reads += res.oracles.unchecked_inflight;
          d->max_retries = std::max<std::uint64_t>(d->max_retries, res.oracles.max_retries);
          const std::string key = name + "/" + harness::to_string(cell.config.direction);
          if (++cells_done[key] == 12 || i + 1 == n)
            say(
                fmt::format("correctness: {:>3}/{} cells; {:<8} {:<7} hangs/trials {}/{}, torn {}, violations {}, "
                            "lock inversions {}",
                            i + 1, n, name, harness::to_string(cell.config.direction), d->hangs, d->trials,
                            d->torn_reads, d->violations, d->lock_inversions));
        },
        base);
    if (tr.interrupted) {
      // An interrupt means stop: no benchmarks after it, no result that looks whole.
      report.interrupted = true;
      report.notes.push_back("correctness phase interrupted: counts are partial, the cost phase did not run");
      for (const harness::StrategyInfo* s : strategies) report.strategies.push_back(rows[s->name]);
      return report;
    }
    if (!tr.fix_failed && tr.error_cells > 0) {
      report.no_verdict = "the correctness phase gave no verdict: " + tr.why;
      for (const harness::StrategyInfo* s : strategies) report.strategies.push_back(rows[s->name]);
      return report;
    }
  } else {
    report.notes.push_back("correctness not run (--no-correctness)");
  }

  // 2. Cost: slub's benchmarks, or the scenario's own figures.
  if (costs)
    benchmark_costs(sc, rows, reps, min_time, report, say);
  else
    scenario_costs(sc, o, rows, report, say);

  // 3. Exact instructions per iteration (callgrind): of slub's loops.
  if (o.insns && !costs) {
    report.notes.push_back("instruction counts not run: they count the slub scenario's loop/* benchmarks");
  } else if (o.insns) {
    say("insns: loop/*/off and loop/*/on under callgrind");
    try {
      InsnOptions io;
      io.filter = "^loop/";
      io.child_args = o.insns_child_args(io.filter);
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

  for (const harness::StrategyInfo* s : strategies) report.strategies.push_back(rows[s->name]);
  if (costs)
    for (const char* s : kBaselines) report.baselines.push_back(rows[s]);
  return report;
}

}  // namespace pokebench::bench
