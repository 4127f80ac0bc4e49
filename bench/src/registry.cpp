#include "families.hpp"

#include <pokebench/bench/benchmarks.hpp>
#include <pokebench/bench/compare.hpp>
#include <pokebench/bench/counters.hpp>
#include <pokebench/bench/noise_reporter.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <utility>

namespace pokebench::bench {

void register_benchmarks() {
  static std::once_flag once;
  std::call_once(once, [] {
    detail::register_loop_benchmarks();
    detail::register_writer_benchmarks();
    detail::register_neighbour_benchmarks();
    detail::register_write_benchmarks();
    detail::register_patch_benchmarks();
    detail::register_sync_benchmarks();
  });
}

void add_run_context() {
  announce_counters();
  // The build and machine facts a result document keys history on
  // (Google Benchmark already writes host_name, num_cpus and date). Once:
  // Google Benchmark refuses a context key twice.
  static std::once_flag once;
  std::call_once(once, [] {
    const CompareContext c = collect_context();
    benchmark::AddCustomContext("git_sha", c.git_sha);
    benchmark::AddCustomContext("compiler", c.compiler);
    benchmark::AddCustomContext("flags", c.flags);
    benchmark::AddCustomContext("kernel", c.kernel);
    benchmark::AddCustomContext("cpu_model", c.cpu_model);
    benchmark::AddCustomContext("vm", c.vm ? "true" : "false");
    if (!c.hypervisor.empty()) benchmark::AddCustomContext("hypervisor", c.hypervisor);
  });
}

namespace {

// The Row fields that these Google Benchmark counters give.
constexpr std::pair<const char*, double Row::*> kRowCounters[] = {
    {"cycles_per_iter", &Row::cycles_per_iter},
    {"syncs_per_flip", &Row::syncs},
    {"ipis_per_flip", &Row::ipis_per_flip},
    {"write_windows_per_flip", &Row::write_windows_per_flip},
    {"bytes_written_per_flip", &Row::bytes_written_per_flip},
    {"ref_units", &Row::ref_units},
    {"flip_us", &Row::flip_us},
    {"int3_hits", &Row::int3_hits}};

// Collects rows silently; keeps medians when there are repetitions.
class RowCollector : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& reports) override {
    for (const auto& r : reports) {
      const std::string name = r.run_name.str();
      Row& row = rows_[name];
      row.name = name;
      if (r.error_occurred) {
        row.error = true;
        row.error_message = r.error_message;
        continue;
      }
      const bool aggregate = r.run_type == Run::RT_Aggregate;
      if (aggregate && r.aggregate_name == "cv") {
        UnstableRow u;
        if (spread_of(r, u)) row.spread = u.spread;
        continue;
      }
      // A single run, or the median of several: both describe the row.
      if (aggregate ? r.aggregate_name != "median" : r.repetitions > 1) continue;
      row.real_time_ns = r.GetAdjustedRealTime() * time_unit_ns(r.time_unit);
      const auto get = [&](const char* k) {
        const auto it = r.counters.find(k);
        return it == r.counters.end() ? 0.0 : it->second.value;
      };
      for (const auto& [counter, field] : kRowCounters) row.*field = get(counter);
      for (const auto& [k, c] : r.counters) row.counters[k] = c.value;
    }
  }
  std::vector<Row> rows() const {
    std::vector<Row> out;
    for (const auto& [_, r] : rows_) out.push_back(r);
    return out;
  }

 private:
  static double time_unit_ns(benchmark::TimeUnit u) {
    switch (u) {
      case benchmark::kSecond:
        return 1e9;
      case benchmark::kMillisecond:
        return 1e6;
      case benchmark::kMicrosecond:
        return 1e3;
      default:
        return 1;
    }
  }
  std::map<std::string, Row> rows_;
};

}  // namespace

std::vector<Row> run_rows(const std::string& filter, int repetitions, double min_time) {
  register_benchmarks();
  announce_counters();
  std::string a_reps = fmt::format("--benchmark_repetitions={}", repetitions);
  std::string a_min = fmt::format("--benchmark_min_time={}", min_time);
  // Interleaved: a machine whose speed drifts spreads the drift over every
  // row instead of penalising whichever row ran during a slow spell.
  std::string a_mix = "--benchmark_enable_random_interleaving=true";
  std::string a_name = "pokebench";
  std::vector<char*> args{a_name.data(), a_reps.data(), a_min.data(), a_mix.data()};
  int argc = static_cast<int>(args.size());
  benchmark::Initialize(&argc, args.data());
  RowCollector collector;
  benchmark::RunSpecifiedBenchmarks(&collector, filter);
  return collector.rows();
}

}  // namespace pokebench::bench
