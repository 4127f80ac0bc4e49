// pokebench report: the self-contained HTML report (results/report.hpp).
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"

#include <pokebench/results/document_io.hpp>
#include <pokebench/results/gnuplot.hpp>
#include <pokebench/results/history.hpp>
#include <pokebench/results/metric.hpp>
#include <pokebench/results/regress.hpp>
#include <pokebench/results/report.hpp>
#include <pokebench/support/output.hpp>

#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

namespace pokebench::cli {
namespace {

namespace pr = pokebench::results;

struct ReportCmdOptions {
  std::string history = pr::kDefaultHistoryPath;
  bool history_given = false;
  std::string result;
  std::string out;
  std::string host;
  std::vector<std::string> hosts;
  int last = 30;
  pr::ReportOptions report;
};

int run_report(const ReportCmdOptions& o) {
  const pr::Gnuplot probe(o.report.gnuplot);  // fail before any work when gnuplot is missing
  const bool use_history = o.history_given || pr::is_postgres_url(o.history) || std::filesystem::exists(o.history);
  if (o.result.empty() && !use_history) {
    error(
        "nothing to report: no --result FILE and no history database at '{}' (pass --history DB or --result "
        "FILE)",
        pr::redact_url(o.history));
    return 2;
  }
  std::optional<pr::ResultDocument> run;
  if (!o.result.empty()) {
    run = pr::read_result_file(o.result);
    for (const std::string& w : run->warnings) warning("{}", w);
  }

  if (!o.hosts.empty() && !use_history) {
    error("report --hosts needs a history (--history FILE|URL) to take the hosts' runs from");
    return 2;
  }
  std::vector<pr::HistoryRun> trend;
  std::vector<pr::HostHistory> hosts;
  if (use_history) {
    const pr::History history(o.history, pr::History::Mode::read_only);
    for (const std::string& name : o.hosts) {
      pr::HistorySelector sel;
      sel.last = o.last;
      sel.host = name;
      pr::HostHistory& h = hosts.emplace_back(pr::HostHistory{name, {}});
      for (std::int64_t id : history.select(sel, "")) h.runs.push_back({id, history.load(id)});
      if (h.runs.empty()) warning("history '{}' holds no run of host '{}'", history.path(), name);
    }
    const std::string host = !o.host.empty() ? o.host : run ? run->context.host : "";
    pr::HistorySelector sel;
    sel.last = o.last;
    if (!host.empty()) sel.host = host;
    for (std::int64_t id : history.select(sel, "")) trend.push_back({id, history.load(id)});
    if (!run) {
      if (trend.empty()) {
        error("history '{}' holds no run{}: nothing to report", history.path(), host.empty() ? "" : " of host " + host);
        return 2;
      }
      run = trend.back().doc;
    } else if (trend.empty() || pr::to_json(trend.back().doc) != pr::to_json(*run)) {
      // Not stored yet (the nightly reports before or without 'results add'): it is the trend's newest point.
      trend.push_back({0, *run});
    }
  }
  std::vector<const pr::ResultDocument*> docs{&*run};
  for (const auto& h : trend) docs.push_back(&h.doc);
  pr::validate_metric(o.report.gate.metric, pr::known_metrics(docs));
  for (pr::HostHistory& h : hosts)  // the reported run, if not stored yet, ends its own host's trend
    if (h.host == run->context.host && !trend.empty() && trend.back().id == 0) h.runs.push_back(trend.back());
  const std::string html = pr::render_report(*run, trend, o.report, hosts);
  pokebench::support::write_file_atomically(o.out, html);
  fmt::print("wrote {} ({} KiB; run from {}, {} run(s) in the trend)\n", o.out, html.size() / 1024, run->origin,
             trend.size());
  return 0;
}

}  // namespace

void add_report(CLI::App& app) {
  auto [cmd, o] =
      add_command<ReportCmdOptions>(app, "report", "Write a self-contained HTML report of a run and its history",
                                    R"(Plots are inline SVG drawn by gnuplot; no network is needed to view it.
The report holds the run's context, the strategy comparison (cycles per
iteration off/on/flipping with spread), flip latency against the number of
sites (per-site vs batched, log-log), the correctness matrix (strategy x
direction x order x int3 policy) and trends over the history with change
points marked. The first screen is the gate's verdict on the run against
the stored runs before it (history:last=5) and what gated.)");
  auto* hist = add_history_option(cmd, o->history,
                                  "History for the trends (an SQLite file or a postgresql:// URL); the newest run is "
                                  "reported when --result is not given. Default results/history.db relative to the "
                                  "current directory (or $POKEBENCH_HISTORY), used when it exists");
  cmd->add_option("--result", o->result, "Result document (or Google Benchmark JSON) to report on")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "HTML file to write (atomically)")->required();
  cmd->add_option("--host", o->host,
                  "Trend over runs of this host (default: the reported run's host; '*' for every host)");
  cmd->add_option("--hosts", o->hosts,
                  "Trends of these hosts side by side, each over its own last runs (comma-separated: --hosts a,b)")
      ->delimiter(',');
  cmd->add_option("--last", o->last, "Number of history runs in the trend")
      ->check(CLI::Range(2, 10000))
      ->capture_default_str();
  cmd->add_option("--trend", o->report.trend_regex, "Regular expression picking the key benchmarks of the trend")
      ->capture_default_str();
  cmd->add_option("--metric", o->report.gate.metric,
                  "Judge and draw every row on this metric instead of its family's (real_time, cpu_time or a user "
                  "counter)")
      ->check(CLI::Validator(
          [](std::string& in) {
            return in.empty() ? std::string("an empty --metric names nothing; leave it out") : std::string();
          },
          "METRIC"));
  cmd->add_option("--gnuplot", o->report.gnuplot, "gnuplot program")->capture_default_str();
  cmd->footer(
      "Needs gnuplot (apt-get install gnuplot-nox). Exit codes: 0 written, 2 unusable input or gnuplot "
      "missing.");
  cmd->callback([o, hist] {
    o->history_given = hist->count() > 0 || std::getenv("POKEBENCH_HISTORY") != nullptr;
    set_action([o] { return run_report(*o); });
  });
}

}  // namespace pokebench::cli
