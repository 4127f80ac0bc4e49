#include <pokebench/bench/noise_reporter.hpp>
#include <pokebench/support/diagnostics.hpp>

#include <fmt/format.h>

#include <ostream>

namespace pokebench::bench {

bool spread_of(const benchmark::BenchmarkReporter::Run& run, UnstableRow& out) {
  if (run.run_type != benchmark::BenchmarkReporter::Run::RT_Aggregate || run.aggregate_name != "cv") return false;
  out.name = run.run_name.str();
  out.repetitions = run.repetitions;
  if (const auto it = run.counters.find("cycles_per_iter"); it != run.counters.end()) {
    out.metric = "cycles_per_iter";
    out.spread = it->second.value;
  } else {
    // For a kPercentage aggregate the "time" holds the fraction itself.
    out.metric = "real_time";
    out.spread = run.real_accumulated_time;
  }
  return true;
}

void NoiseReporter::ReportRuns(const std::vector<Run>& reports) {
  benchmark::ConsoleReporter::ReportRuns(reports);
  bool any_aggregate = false;
  for (const auto& r : reports) {
    if (r.run_type == Run::RT_Aggregate) any_aggregate = true;
    UnstableRow row;
    if (!spread_of(r, row)) continue;
    ++rows_judged_;
    if (row.spread > threshold_) {
      GetOutputStream() << fmt::format("~ unstable: {} {} varies {:.1f}% between {} repetitions (> {:.0f}%)\n",
                                       row.name, row.metric, row.spread * 100, row.repetitions, threshold_ * 100);
      unstable_.push_back(std::move(row));
    }
  }
  if (!any_aggregate && !reports.empty() && reports.front().repetitions <= 1) ++rows_unjudged_;
}

void NoiseReporter::Finalize() {
  benchmark::ConsoleReporter::Finalize();
  if (!unstable_.empty())
    support::warning(
        "{} of {} rows are unstable (marked '~ unstable': spread over {:.0f}% between repetitions); their medians are "
        "not comparable. To fix: keep the machine otherwise idle, pin with 'taskset -c 0,1', raise "
        "--benchmark_min_time (e.g. 1.0), use --benchmark_repetitions=15 with "
        "--benchmark_enable_random_interleaving=true, and compare ratios within one run.",
        unstable_.size(), rows_judged_, threshold_ * 100);
  else if (rows_unjudged_ > 0 && rows_judged_ == 0)
    support::note(
        "one repetition per row, so no spread was measured; use --benchmark_repetitions=9 (at least 9 for gating) to "
        "have unstable rows marked.");
}

}  // namespace pokebench::bench
