// pokebench results add|list|show|remove|trend|push|bundle: the run history
// (results/history.hpp), an SQLite file or a PostgreSQL server.
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"
#include "validators.hpp"

#include <pokebench/results/bundle.hpp>
#include <pokebench/results/document_io.hpp>
#include <pokebench/results/history.hpp>
#include <pokebench/results/regress.hpp>
#include <pokebench/results/trend.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace pokebench::results {
// `results list --format json`: one object a run, its fields by their names.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RunSummary, id, added_at, date, git_sha, host, source, benchmarks, samples,
                                   fix_hangs, bug_hangs, bug_trials)
}  // namespace pokebench::results

namespace pokebench::cli {
namespace {

namespace pr = pokebench::results;

// Run ids and counts of runs are int64 in the history.
constexpr std::uint64_t kMaxRunId = 9223372036854775807ULL;

struct ResultsOptions {
  std::string history = pr::kDefaultHistoryPath;
  std::string local = pr::kDefaultHistoryPath;  // where add keeps runs the server cannot take
  std::vector<std::string> add_files;
  std::string push_from = pr::kDefaultHistoryPath, push_to;
  std::string list_host;
  int list_last = 0;
  std::string format = "text";
  std::int64_t show_run = 0;
  std::vector<std::int64_t> remove_runs;
  std::vector<std::string> bundle_benchmarks;
  std::string bundle_compare, bundle_insns, bundle_matrix, bundle_out;
  std::vector<std::string> bundle_context;
  std::string trend_regex = ".";
  int trend_last = 30;
  std::string trend_host;
};

void print_warnings(const pr::ResultDocument& doc) {
  for (const std::string& w : doc.warnings) warning("{}", w);
}

void print_stored(pr::History& history, std::int64_t id, const std::string& file, const pr::ResultDocument& doc) {
  const auto s = history.summary(id);
  fmt::print(
      "stored run {} from {} in {}: {} benchmarks, {} samples, {} correctness rows, {} matrix cells, {} "
      "instruction counts\n",
      id, file, history.path(), s ? s->benchmarks : 0, s ? s->samples : 0, doc.correctness.size(), doc.matrix.size(),
      doc.insns.size());
}

int run_add(const ResultsOptions& o) {
  // Read every file before storing any: one bad file leaves the history untouched.
  std::vector<pr::ResultDocument> docs;
  for (const std::string& file : o.add_files) {
    docs.push_back(pr::read_result_file(file));
    print_warnings(docs.back());
    pr::check_unique_repetitions(docs.back(), file);
    if (docs.back().context.git_sha.empty())
      warning("{}: no git_sha in its context: the report's trend plot cannot name this run's commit", file);
  }
  std::size_t next = 0;
  try {
    pr::History history(o.history, pr::History::Mode::create);
    for (; next < docs.size(); ++next)
      print_stored(history, history.add(docs[next], o.add_files[next]), o.add_files[next], docs[next]);
    return 0;
  } catch (const pr::UnreachableError& e) {
    if (!pr::is_postgres_url(o.history)) throw;
    // A runner keeps its run when the fleet's server is down: locally, to be pushed later.
    warning("{}", e.what());
    pr::History local(o.local, pr::History::Mode::create);
    for (; next < docs.size(); ++next)
      print_stored(local, local.add(docs[next], o.add_files[next]), o.add_files[next], docs[next]);
    warning("kept the run{} in {} instead of {}: upload {} later with 'pokebench results push --from {} --to URL'",
            docs.size() == 1 ? "" : "s", o.local, pr::redact_url(o.history), docs.size() == 1 ? "it" : "them", o.local);
    return 0;
  }
}

int run_push(const ResultsOptions& o) {
  if (!pr::is_postgres_url(o.push_to) && o.push_to == o.push_from) {
    error("results push: --from and --to are the same history '{}'; pass the server's URL as --to", o.push_from);
    return 2;
  }
  const pr::History from(o.push_from, pr::History::Mode::read_only);
  pr::History to(o.push_to, pr::History::Mode::create);
  const std::vector<pr::RunSummary> runs = from.list();
  std::size_t pushed = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const pr::RunSummary& r = runs[i];
    const auto id = to.add_if_absent(from.load(r.id), r.source, r.added_at);
    pushed += id.has_value();
    fmt::print("[{}/{}] run {} of {}: {}\n", i + 1, runs.size(), r.id, r.host,
               id ? fmt::format("stored as run {}", *id) : std::string("already there"));
  }
  fmt::print("pushed {} of {} run(s) from {} to {} ({} already there)\n", pushed, runs.size(), from.path(), to.path(),
             runs.size() - pushed);
  return 0;
}

std::string correctness_summary(const pr::RunSummary& r) {
  if (r.bug_trials == 0 && r.fix_hangs == 0) return "-";
  std::string out = r.fix_hangs ? fmt::format("FIX BROKEN ({} hangs/torn)", r.fix_hangs) : "fixes ok";
  if (r.bug_trials) out += r.bug_hangs ? ", v4.12 hangs" : ", v4.12 NO HANG";
  return out;
}

int run_list(const ResultsOptions& o) {
  pr::History history(o.history, pr::History::Mode::read_only);
  const std::vector<pr::RunSummary> runs =
      history.list(o.list_host.empty() ? std::nullopt : std::optional<std::string>(o.list_host),
                   o.list_last > 0 ? std::optional<std::int64_t>(o.list_last) : std::nullopt);
  if (o.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : runs) out.push_back(r);
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (runs.empty()) {  // on stderr: scripts test "any runs?" with `results list | grep -q .`
    note("no runs in {}{}", history.path(), o.list_host.empty() ? "" : " for host " + o.list_host);
    return 0;
  }
  fmt::print("{:>5}  {:<25}  {:<12}  {:<16}  {:>6}  {:>7}  {:<28}  {}\n", "run", "date", "git", "host", "bench",
             "samples", "correctness", "source");
  for (const auto& r : runs)
    fmt::print("{:>5}  {:<25}  {:<12}  {:<16}  {:>6}  {:>7}  {:<28}  {}\n", r.id, r.date,
               r.git_sha.empty() ? "-" : r.git_sha.substr(0, 12), r.host, r.benchmarks, r.samples,
               correctness_summary(r), r.source);
  return 0;
}

std::string format_ns(double ns) {
  if (ns < 1e3) return fmt::format("{:.4g} ns", ns);
  if (ns < 1e6) return fmt::format("{:.4g} us", ns / 1e3);
  if (ns < 1e9) return fmt::format("{:.4g} ms", ns / 1e6);
  return fmt::format("{:.4g} s", ns / 1e9);
}

int run_remove(const ResultsOptions& o) {
  pr::History history(o.history, pr::History::Mode::read_only);
  pr::History writable(o.history, pr::History::Mode::create);
  writable.remove(o.remove_runs);
  for (const std::int64_t id : o.remove_runs) fmt::print("removed run {} from {}\n", id, history.path());
  return 0;
}

int run_show(const ResultsOptions& o) {
  pr::History history(o.history, pr::History::Mode::read_only);
  const pr::ResultDocument doc = history.load(o.show_run);
  if (o.format == "json") {  // a result document again: `show N --format json > run.json` exports a run
    fmt::print("{}\n", pr::to_json(doc).dump(2));
    return 0;
  }
  const auto s = history.summary(o.show_run);
  const pr::Context& c = doc.context;
  fmt::print("run {} (added {} from {})\n", o.show_run, s ? s->added_at : "?", s ? s->source : "?");
  fmt::print(
      "  date       {}\n  git        {}\n  host       {}\n  cpu        {}{}{}\n  kernel     {}\n"
      "  compiler   {} {}\n  counters   {}{}\n",
      c.date, c.git_sha.empty() ? "-" : c.git_sha, c.host, c.cpu_model, c.cpus ? fmt::format(", {} cpus", *c.cpus) : "",
      c.vm ? (*c.vm ? ", VM" : ", bare metal") : "", c.kernel, c.compiler, c.flags,
      c.counters.empty() ? "-" : c.counters, c.tsc_ghz ? fmt::format(" (TSC {:.3g} GHz)", *c.tsc_ghz) : "");
  std::vector<std::string> names;
  for (const auto& smp : doc.samples)
    if (std::find(names.begin(), names.end(), smp.benchmark) == names.end()) names.push_back(smp.benchmark);
  if (!names.empty()) {
    fmt::print("\n{:<44} {:>4} {:>12} {:>12} {:>12}  {}\n", "benchmark", "reps", "median", "min", "max",
               "cycles/iter (median)");
    for (const auto& name : names) {
      auto t = pr::metric_values(doc, name, "real_time");
      auto cyc = pr::metric_values(doc, name, "cycles_per_iter");
      fmt::print("{:<44} {:>4} {:>12} {:>12} {:>12}  {}\n", name, t.size(), format_ns(pr::median(t)),
                 format_ns(*std::min_element(t.begin(), t.end())), format_ns(*std::max_element(t.begin(), t.end())),
                 cyc.empty() ? "-" : fmt::format("{:.4g}", pr::median(cyc)));
    }
  }
  if (!doc.correctness.empty()) {
    fmt::print("\n{:<10} {:<8} {:>8} {:>6} {:>6} {:>10} {:>8} {:>10} {:>8}\n", "strategy", "dir", "trials", "hangs",
               "torn", "violations", "lock-inv", "unchecked", "retries");
    for (const auto& sc : doc.correctness)
      fmt::print("{:<10} {:<8} {:>8} {:>6} {:>6} {:>10} {:>8} {:>10} {:>8}\n", sc.strategy, sc.direction,
                 sc.counts.trials, sc.counts.hangs, sc.counts.torn_reads, sc.counts.violations,
                 sc.counts.lock_inversions, sc.counts.unchecked_reads, sc.counts.max_retries);
  }
  if (!doc.matrix.empty()) {
    std::map<std::string, std::pair<int, int>> per_strategy;  // cells, non-OK cells
    for (const auto& m : doc.matrix) {
      auto& [cells, bad] = per_strategy[m.strategy];
      ++cells;
      bad += m.verdict != "OK";
    }
    fmt::print("\ntorture matrix\n");
    for (const auto& [strategy, counts] : per_strategy)
      fmt::print("  {:<10} {} cells, {} HANG/TORN\n", strategy, counts.first, counts.second);
  }
  if (!doc.insns.empty()) {
    fmt::print("\n{:<44} {:>12}\n", "instructions per iteration", "count");
    for (const auto& i : doc.insns) fmt::print("{:<44} {:>12.6g}\n", i.benchmark, i.insns_per_iter);
  }
  return 0;
}

int run_trend(const ResultsOptions& o) {
  pr::History history(o.history, pr::History::Mode::read_only);
  pr::HistorySelector sel;
  sel.last = o.trend_last;
  if (!o.trend_host.empty()) sel.host = o.trend_host;
  std::vector<pr::HistoryRun> runs;
  for (std::int64_t id : history.select(sel, "")) runs.push_back({id, history.load(id)});
  if (runs.empty()) {
    error("no runs in {}{}: nothing to trend (store runs with 'pokebench results add')", history.path(),
          o.trend_host.empty() ? "" : " for host " + o.trend_host);
    return 2;
  }
  std::set<std::string> hosts;
  for (const auto& r : runs) hosts.insert(r.doc.context.host);
  if (hosts.size() > 1 && o.trend_host.empty())
    warning("the last {} runs come from {} hosts: pass --host NAME, a trend across machines mixes their speeds",
            runs.size(), hosts.size());
  const pr::ChangePointOptions cp;
  const std::vector<pr::TrendSeries> series = pr::trends(runs, o.trend_regex, "", cp);
  if (o.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : series) {
      nlohmann::json points = nlohmann::json::array();
      for (const auto& c : s.change_points)
        points.push_back({{"run", s.points[c.index].run},
                          {"git_sha", s.points[c.index].git_sha},
                          {"before", c.before},
                          {"after", c.after},
                          {"change_pct", c.change_pct},
                          {"p_value", c.p_value}});
      out.push_back(
          {{"benchmark", s.benchmark}, {"metric", s.metric}, {"runs", s.points.size()}, {"change_points", points}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("change points over the last {} run(s) of {} (E-Divisive means, permutation p < {}, steps >= {}%)\n",
             runs.size(), history.path(), cp.alpha, cp.min_change_pct);
  if (series.empty()) note("no gated benchmark matches '{}'", o.trend_regex);
  for (const auto& s : series) {
    if (s.change_points.empty()) {
      fmt::print("  {:<40} {:<16} {:>3} runs  no change point\n", s.benchmark, s.metric, s.points.size());
      continue;
    }
    for (const auto& c : s.change_points) {
      const auto& p = s.points[c.index];
      fmt::print("  {:<40} {:<16} {:>3} runs  from run {} ({}): {:.4g} -> {:.4g} ({:+.1f}%, p={:.2g})\n", s.benchmark,
                 s.metric, s.points.size(), p.run, p.git_sha.empty() ? "-" : p.git_sha.substr(0, 12), c.before, c.after,
                 c.change_pct, c.p_value);
    }
  }
  return 0;
}

int run_bundle(const ResultsOptions& o) {
  pr::BundleInputs in;
  in.benchmark_files = o.bundle_benchmarks;
  if (!o.bundle_compare.empty()) in.compare_file = o.bundle_compare;
  if (!o.bundle_insns.empty()) in.insns_file = o.bundle_insns;
  if (!o.bundle_matrix.empty()) in.matrix_file = o.bundle_matrix;
  for (const std::string& kv : o.bundle_context) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      error("--context '{}': expected KEY=VALUE (for example git_sha=$(git rev-parse HEAD))", kv);
      return 2;
    }
    in.context[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const pr::ResultDocument doc = pr::bundle(in);
  print_warnings(doc);
  pr::write_result_file(o.bundle_out, doc);
  fmt::print("wrote {}: {} samples, {} correctness rows, {} matrix cells, {} instruction counts\n", o.bundle_out,
             doc.samples.size(), doc.correctness.size(), doc.matrix.size(), doc.insns.size());
  return 0;
}

// An action of `results`, which runs run(*o); --history may follow it.
template <class Run>
CLI::App* add_action(CLI::App* results, const std::shared_ptr<ResultsOptions>& o, Run run, std::string name,
                     std::string summary, std::string_view details = {}) {
  CLI::App* action = results->add_subcommand(std::move(name), command_help(std::move(summary), details));
  action->fallthrough();
  on_parsed(action, o, run);
  return action;
}

// RUN: stored runs' ids (from 1).
template <class Runs>
void add_run_argument(CLI::App* action, Runs& runs, const char* help) {
  action->add_option("RUN", runs, help)->required()->check(whole_number(1, kMaxRunId));
}

}  // namespace

void add_results(CLI::App& app) {
  auto o = std::make_shared<ResultsOptions>();
  auto* cmd = app.add_subcommand("results",
                                 command_help("The run history: an SQLite file or a PostgreSQL database",
                                              R"(One row per run, benchmark and repetition, plus the correctness table,
torture matrix and instruction counts of each run.)"));
  cmd->require_subcommand(1);
  add_history_option(cmd, o->history,
                     "History: an SQLite file (created by 'add' with its directory) or a PostgreSQL URL "
                     "postgresql://USER[:PASSWORD]@HOST[:PORT]/DB (the database must exist; 'add' creates the "
                     "schema). Default results/history.db relative to the current directory, or $POKEBENCH_HISTORY");
  cmd->footer("Exit codes: 0 ok, 2 unusable input (file, place and problem are named) or database.");

  auto* add = add_action(cmd, o, run_add, "add", "Store result documents (or plain Google Benchmark JSON) as new runs",
                         "All files are checked before any is stored.");
  add->add_option("FILE", o->add_files, "Result document or Google Benchmark JSON")
      ->required()
      ->check(CLI::ExistingFile);
  add->add_option("--local", o->local,
                  "When --history is a server that cannot be reached: keep the runs in this SQLite file instead "
                  "(and say so); 'results push' uploads them later")
      ->capture_default_str();

  auto* list = add_action(cmd, o, run_list, "list", "List stored runs, oldest first");
  list->add_option("--host", o->list_host, "Only runs of this host");
  list->add_option("--last", o->list_last, "Only the newest N runs")->check(whole_number(1, kMaxRunId));
  add_format_option(list, o->format, {"text", "json"});

  auto* show = add_action(cmd, o, run_show, "show",
                          "Show one run: context, per-benchmark medians, correctness, instruction counts",
                          "With --format json it prints the run as a result document (an export).");
  add_run_argument(show, o->show_run, "Run id (see 'results list')");
  add_format_option(show, o->format, {"text", "json"});

  auto* remove =
      add_action(cmd, o, run_remove, "remove", "Delete runs in one transaction; an unknown id removes nothing",
                 "With each run go its samples, correctness, matrix and instruction counts.");
  add_run_argument(remove, o->remove_runs, "Run ids (see 'results list')");

  auto* trend = add_action(cmd, o, run_trend, "trend", "Change points in the history of each gated benchmark",
                           R"(E-Divisive means with a permutation test, on the per-run medians of the
benchmark's gated metric; oldest run first.)");
  trend->add_option("--benchmark", o->trend_regex, "Regular expression picking benchmarks (searched)")
      ->capture_default_str();
  trend->add_option("--last", o->trend_last, "Newest N runs")->check(whole_number(2, 100000))->capture_default_str();
  trend->add_option("--host", o->trend_host, "Only runs of this host");
  add_format_option(trend, o->format, {"text", "json"});

  auto* push = add_action(cmd, o, run_push, "push", "Upload the runs of one history that another lacks",
                          R"(For example a runner's local file to the fleet's server; each run is
stored with its source and time. A run is known by its content, so pushing
twice stores it once.)");
  push->add_option("--from", o->push_from, "History to read (a file or URL)")->capture_default_str();
  push->add_option("--to", o->push_to, "History to store into (a PostgreSQL URL or a file)")->required();

  auto* bundle =
      add_action(cmd, o, run_bundle, "bundle", "Assemble one result document from a run's parts (atomically)",
                 R"(The parts: Google Benchmark JSON (--benchmarks), `pokebench compare
--format json` (--compare), `pokebench insns --format json` (--insns), the
torture matrix (--matrix), plus --context KEY=VALUE (git_sha, compiler,
flags, kernel, cpu_model, host, date, counters, cpus, vm, tsc_ghz, or any
other key).)");
  bundle->add_option("--benchmarks", o->bundle_benchmarks, "Google Benchmark JSON or result document (repeatable)");
  bundle->add_option("--compare", o->bundle_compare, "pokebench compare JSON")->check(CLI::ExistingFile);
  bundle->add_option("--insns", o->bundle_insns, "Instruction counts JSON")->check(CLI::ExistingFile);
  bundle->add_option("--matrix", o->bundle_matrix, "Torture matrix JSON")->check(CLI::ExistingFile);
  bundle->add_option("--context", o->bundle_context, "Context field KEY=VALUE (repeatable; wins over the files)");
  bundle->add_option("--out", o->bundle_out, "Result document to write")->required();
}

}  // namespace pokebench::cli
