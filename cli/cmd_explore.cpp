// pokebench explore: exhaustive exploration of the patching protocol model
// (explore/README.md) over a matrix of bounded configurations; a summary
// table per strategy, then counterexample traces, shortest first.
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"
#include "validators.hpp"

#include <pokebench/explore/check.hpp>
#include <pokebench/explore/model.hpp>
#include <pokebench/explore/report.hpp>
#include <pokebench/explore/search.hpp>
#include <pokebench/harness/runner.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace pokebench::cli {
namespace {

namespace ex = pokebench::explore;
namespace pp = pokebench::patcher;

enum class Format { text, json };
constexpr std::pair<Format, const char*> kFormatNames[] = {{Format::text, "text"}, {Format::json, "json"}};
enum class Dir { both, enable, disable };
constexpr std::pair<Dir, const char*> kDirNames[] = {
    {Dir::both, "both"}, {Dir::enable, "enable"}, {Dir::disable, "disable"}};

struct ExploreOptions {
  std::vector<std::string> strategies;
  bool all = false;
  unsigned readers = 2;
  unsigned sites = 2;
  std::string order;  // empty: every order
  std::string int3;   // empty: both
  std::string apply;  // empty: the strategy's own
  std::size_t batch_size = 256;
  Dir direction = Dir::both;
  unsigned writes = 1;
  unsigned togglers = 1;
  ex::Views views = ex::Views::eventual;
  bool no_reduction = false;
  std::uint64_t max_states = 2'000'000;
  unsigned counterexamples = 1;
  bool verbose = false;
  bool replay = false;
  Format format = Format::text;
};

// The strategies a run covers: those named, else every listed one (--all adds the negative controls).
std::vector<const ex::StrategyModel*> chosen(const ExploreOptions& o, std::string& why) {
  std::vector<const ex::StrategyModel*> out;
  for (const std::string& n : o.strategies) {
    const ex::StrategyModel* s = ex::find_strategy(n);
    if (s == nullptr) {
      std::string known;
      for (const ex::StrategyModel& m : ex::strategies()) known += (known.empty() ? "" : ", ") + std::string(m.name);
      why = fmt::format("--strategy '{}' is not a modelled strategy; use one of: {}", n, known);
      return {};
    }
    out.push_back(s);
  }
  if (out.empty())
    for (const ex::StrategyModel& s : ex::strategies())
      if (o.all || !s.negative_control) out.push_back(&s);
  return out;
}

// Why the real harness cannot run a configuration on this machine ("": it
// can): the slub scenario has four reader functions and one toggler, and
// each reader and the writer need a host CPU of their own to be CPUs.
std::string model_only(const ex::ModelConfig& c, unsigned host_cpus) {
  std::string why;
  auto add = [&why](const std::string& w) { why += (why.empty() ? "" : "; ") + w; };
  if (c.readers + 1 > host_cpus)
    add(fmt::format("{} reader(s) and the writer on {} host CPU(s)", c.readers, host_cpus));
  if (c.functions > 4) add(fmt::format("{} reader functions (the harness has 4)", c.functions));
  if (c.mixed_togglers) add("two togglers (the harness has one)");
  return why;
}

unsigned host_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return static_cast<unsigned>(CPU_COUNT(&set));
}

struct Row {
  const ex::StrategyModel* strategy = nullptr;
  std::size_t configs = 0, ok = 0, hang = 0, unsafe = 0, incomplete = 0, model_only = 0;
  std::uint64_t states = 0;
  double seconds = 0;
  std::vector<std::pair<ex::ModelConfig, ex::Counterexample>> found;
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
};

std::string row_verdict(const Row& r, const ExploreOptions& o) {
  if (r.incomplete) return fmt::format("INCOMPLETE ({} of {} hit the state limit: no proof)", r.incomplete, r.configs);
  if (r.hang || r.unsafe)
    return fmt::format("{}{}{}", r.hang ? fmt::format("HANG in {}/{}", r.hang, r.configs) : "",
                       r.hang && r.unsafe ? ", " : "",
                       r.unsafe ? fmt::format("UNSAFE in {}/{}", r.unsafe, r.configs) : "");
  return fmt::format("OK: proved for every configuration up to {} reader(s) and {} site pair(s)", o.readers, o.sites);
}

// --replay: one cell of the torture matrix, its model on the real site
// layout, the shortest hang trace replayed on the real harness as a forced
// schedule (explore/README.md, "Replay"); exit 0 when the verdicts agree.
int run_replay(const ExploreOptions& o) {
  if (o.strategies.size() != 1 || o.direction == Dir::both || o.order.empty() || o.int3.empty()) {
    error("--replay runs one cell: name one --strategy, --direction enable|disable, --order and --int3");
    return 2;
  }
  harness::ScenarioConfig cell;
  cell.strategy = o.strategies.front();
  cell.direction = o.direction == Dir::enable ? harness::Direction::enable : harness::Direction::disable;
  cell.order = *harness::parse_patch_order(o.order);
  cell.int3 = *pp::parse_int3_policy(o.int3);
  if (const std::string bad = harness::validate(cell); !bad.empty()) {
    error("{}; --replay runs the harness's listed strategies", bad);
    return 2;
  }
  ex::Limits lim;
  lim.max_states = o.max_states;
  note("explore: replay: exploring {}, then running it on the real harness", ex::describe(ex::model_of(cell)));
  const ex::Replay r = ex::replay_cell(cell, lim);
  fmt::print("model: {}\n", ex::verdict_line(r.model, r.model_result, o.max_states));
  if (!r.model_result.counterexamples.empty())
    fmt::print("{}", ex::format_counterexample(r.model_result.counterexamples.front(), 1));
  fmt::print("replay schedule: {}\nreal:  {}\n", r.schedule, harness::verdict_line(r.real));
  if (!r.real.hangs.empty()) fmt::print("{}", r.real.hangs.front().report);
  for (const std::string& e : r.real.errors) fmt::print("real error: {}\n", e);
  fmt::print("replay: {} (model {}, real {})\n", r.agree ? "AGREE" : "DISAGREE", ex::to_string(r.model_result.verdict),
             harness::to_string(r.real.verdict()));
  return r.agree ? 0 : 1;
}

int run_explore(const ExploreOptions& o) {
  if (o.replay) return run_replay(o);
  std::string why;
  const std::vector<const ex::StrategyModel*> list = chosen(o, why);
  if (list.empty()) {
    error("{}", why);
    return 2;
  }
  ex::MatrixAxes axes;
  axes.readers.clear();
  for (unsigned r = 1; r <= o.readers; ++r) axes.readers.push_back(r);
  axes.functions.clear();
  for (unsigned f = 1; f <= o.sites; ++f) axes.functions.push_back(f);
  if (o.direction != Dir::both) axes.enable = {o.direction == Dir::enable};
  if (!o.order.empty()) {
    const auto oc = ex::parse_order(o.order);
    if (!oc) {
      error("--order '{}' is not an order; use table, address, reverse, random, begin-first or retry-first", o.order);
      return 2;
    }
    axes.orders = {*oc};
  }
  if (!o.int3.empty()) axes.int3 = {*pp::parse_int3_policy(o.int3)};

  // Refuse what cannot finish, before running anything.
  for (const ex::StrategyModel* s : list) {
    ex::ModelConfig big;
    big.strategy = s;
    big.readers = o.readers;
    big.functions = o.sites;
    big.writes = o.writes;
    big.batch_size = o.batch_size;
    big.mixed_togglers = o.togglers == 2;
    big.views = o.views;
    big.reduce_refetches = !o.no_reduction;
    big.apply = o.apply.empty() ? s->apply : *pp::parse_apply_mode(o.apply);
    if (const std::string bad = ex::validate(big); !bad.empty()) {
      error("{}", bad);
      return 2;
    }
    ex::Limits pilot;
    pilot.max_states = o.max_states;
    const double cap = 100.0 * static_cast<double>(o.max_states);
    const double est = ex::estimate_states(big, pilot);
    if (est > cap) {
      ex::ModelConfig lower = big;
      while (lower.readers > 1 && ex::estimate_states(lower, pilot) > cap) --lower.readers;
      error(
          "{} with {} readers and {} sites is estimated at {:.2g} states, more than 100 times --max-states {}; "
          "lower --readers to {} (or --sites), or raise --max-states",
          s->name, o.readers, o.sites, est, o.max_states, lower.readers);
      return 2;
    }
  }

  ex::Limits lim;
  lim.max_states = o.max_states;
  lim.max_counterexamples = std::max(1u, o.counterexamples);
  std::vector<Row> rows;
  const unsigned cpus = host_cpus();
  for (const ex::StrategyModel* s : list) {
    Row row;
    row.strategy = s;
    ex::ModelConfig base;
    base.strategy = s;
    base.apply = o.apply.empty() ? s->apply : *pp::parse_apply_mode(o.apply);
    base.batch_size = o.batch_size;
    base.writes = o.writes;
    base.mixed_togglers = o.togglers == 2;
    base.views = o.views;
    base.reduce_refetches = !o.no_reduction;
    const std::vector<ex::ModelConfig> cells = ex::matrix(base, axes);
    for (const ex::ModelConfig& c : cells) {
      const ex::Result r = ex::explore(ex::make_model(c), lim);
      ++row.configs;
      row.states += r.states;
      row.seconds += r.seconds;
      (r.verdict == ex::Verdict::ok       ? row.ok
       : r.verdict == ex::Verdict::hang   ? row.hang
       : r.verdict == ex::Verdict::unsafe ? row.unsafe
                                          : row.incomplete)++;
      for (const ex::Counterexample& ce : r.counterexamples) row.found.emplace_back(c, ce);
      if (o.verbose && o.format == Format::text) fmt::print("{}\n", ex::verdict_line(c, r, o.max_states));
      const std::string only = model_only(c, cpus);
      row.model_only += !only.empty();
      if (o.verbose && o.format == Format::text && !only.empty()) fmt::print("  model-only: {}\n", only);
      if (o.format == Format::json) {
        row.results.push_back(ex::result_json(c, r));
        row.results.back()["model_only"] =
            only.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(only);
      }
    }
    std::stable_sort(row.found.begin(), row.found.end(),
                     [](const auto& a, const auto& b) { return a.second.steps.size() < b.second.steps.size(); });
    note("explore: {}: {} configurations, {} states, {:.2f} s", s->name, row.configs, row.states, row.seconds);
    rows.push_back(std::move(row));
  }

  const bool any_incomplete = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.incomplete > 0; });
  if (o.format == Format::json) {
    nlohmann::ordered_json j{{"schema_version", 2},  // 2: "model_only" per strategy and result
                             {"max_readers", o.readers},
                             {"max_sites", o.sites},
                             {"max_states", o.max_states},
                             {"strategies", nlohmann::ordered_json::array()}};
    for (const Row& r : rows)
      j["strategies"].push_back({{"strategy", r.strategy->name},
                                 {"configurations", r.configs},
                                 {"ok", r.ok},
                                 {"hang", r.hang},
                                 {"unsafe", r.unsafe},
                                 {"incomplete", r.incomplete},
                                 {"model_only", r.model_only},
                                 {"states", r.states},
                                 {"seconds", r.seconds},
                                 {"results", r.results}});
    fmt::print("{}\n", j.dump(2));
    return any_incomplete ? 1 : 0;
  }
  fmt::print(
      "pokebench explore: readers 1..{}, sites 1..{} (each a begin and a retry site per key), writes {}, "
      "togglers {}, views {}{}, state limit {}\n",
      o.readers, o.sites, o.writes, o.togglers, pp::name_of(ex::kViewsNames, o.views),
      o.no_reduction && o.views == ex::Views::eventual ? " (unreduced)" : "", o.max_states);
  fmt::print("{:<16} {:>7} {:>10} {:>11} {:>8}  {}\n", "strategy", "configs", "model-only", "states", "time",
             "verdict");
  for (const Row& r : rows) {
    fmt::print("{:<16} {:>7} {:>10} {:>11} {:>7.2f}s  {}\n", r.strategy->name, r.configs, r.model_only, r.states,
               r.seconds, row_verdict(r, o));
  }
  if (std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.model_only > 0; }))
    fmt::print(
        "model-only: configurations the real harness cannot run on this machine ({} host CPUs; it has 4 reader "
        "functions and one toggler, and each reader and the writer need a CPU): their verdicts come from the model "
        "alone (--verbose names each)\n",
        cpus);
  for (const Row& r : rows) {
    if (r.found.empty()) continue;
    fmt::print("\n{}: {} counterexample(s) found, the {} shortest:\n", r.strategy->name, r.found.size(),
               std::min<std::size_t>(o.counterexamples, r.found.size()));
    for (std::size_t i = 0; i < r.found.size() && i < o.counterexamples; ++i)
      fmt::print("{}\n{}", ex::describe(r.found[i].first), ex::format_counterexample(r.found[i].second, i + 1));
  }
  if (any_incomplete)
    fmt::print("\nINCOMPLETE: some configurations hit the state limit; their verdicts prove nothing\n");
  return any_incomplete ? 1 : 0;
}

}  // namespace

void add_explore(CLI::App& app) {
  auto [cmd, o] =
      add_command<ExploreOptions>(app, "explore", "Prove or refute each strategy on every interleaving of a model",
                                  R"(The model of the patching protocol: readers, a seqcount writer,
togglers, the int3 protocol, syncs that wait for every CPU; every
interleaving of bounded configurations is explored.)");
  std::vector<std::string> names;
  for (const ex::StrategyModel& s : ex::strategies()) names.push_back(s.name);
  cmd->add_option("--strategy", o->strategies, "strategy to explore (repeatable; default: every listed one)")
      ->check(CLI::IsMember(names));
  cmd->add_flag("--all", o->all, "also explore the negative controls (broken-seqcount)");
  cmd->add_option("--readers", o->readers, "explore 1..N reader CPUs (more than this machine has is fine)")
      ->check(whole_number(1, ex::kMaxReaders))
      ->capture_default_str();
  cmd->add_option("--sites", o->sites, "explore 1..N reader functions, each with its begin and retry site per key")
      ->check(whole_number(1, ex::kMaxSites / 2))
      ->capture_default_str();
  std::vector<std::string> orders;
  for (const ex::OrderChoice& oc : ex::matrix_orders()) orders.push_back(ex::to_string(oc));
  cmd->add_option("--order", o->order, "only this patch order (default: every order)")->check(CLI::IsMember(orders));
  std::vector<std::string> policies, modes;
  for (const auto& [v, n] : pp::kInt3PolicyNames) policies.push_back(n);
  for (const auto& [v, n] : pp::kApplyModeNames) modes.push_back(n);
  cmd->add_option("--int3", o->int3, "only this int3 policy (default: both)")->check(CLI::IsMember(policies));
  cmd->add_option("--apply", o->apply, "patch per-site or batched (default: each strategy's own)")
      ->check(CLI::IsMember(modes));
  cmd->add_option("--batch-size", o->batch_size, "sites per batch when batched (TP_VEC_MAX)")
      ->check(whole_number(1, 256))
      ->capture_default_str();
  add_enum(cmd, "--direction", o->direction, kDirNames, "the transition explored: enable, disable or both");
  cmd->add_option("--writes", o->writes, "set_mems_allowed() calls the writer may make (it may also stop early)")
      ->check(whole_number(0, 3))
      ->capture_default_str();
  cmd->add_option("--togglers", o->togglers, "1, or 2: a second toggler does inc then dec concurrently")
      ->check(whole_number(1, 2))
      ->capture_default_str();
  add_enum(cmd, "--views", o->views, ex::kViewsNames,
           "how stale a CPU's view of code may stay: eventual (until it refetches), sdm (until it serialises), "
           "coherent");
  cmd->add_flag("--no-reduction", o->no_reduction,
                "with eventual views, explore every refetch of a stale site as a step of its own (the same "
                "verdicts, more states: a check of the reduction, explore/README.md)");
  cmd->add_option("--max-states", o->max_states, "state limit per configuration (reaching it is no proof)")
      ->check(whole_number(1, 200'000'000))
      ->capture_default_str();
  cmd->add_option("--counterexamples", o->counterexamples, "counterexamples printed per strategy, shortest first")
      ->check(whole_number(0, 100))
      ->capture_default_str();
  cmd->add_flag("--verbose", o->verbose, "print each configuration's verdict line");
  cmd->add_flag("--replay", o->replay,
                "run one cell (--strategy, --direction, --order, --int3) on the real site layout and replay its "
                "shortest hang trace on the real harness as a forced schedule; exit 1 if the verdicts differ");
  add_enum(cmd, "--format", o->format, kFormatNames, "text (table and traces) or json");
  on_parsed(cmd, o, run_explore);
}

}  // namespace pokebench::cli
