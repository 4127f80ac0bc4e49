// Counters: the PAPI probe tells the truth and the TSC fallback is sane.
#include <pokebench/bench/counters.hpp>
#include <pokebench/bench/noise_reporter.hpp>
#include <pokebench/bench/tsc.hpp>
#include <pokebench/support/diagnostics.hpp>

#include <gtest/gtest.h>

#include <sstream>

namespace pb = pokebench::bench;

TEST(Counters, ProbeCoversEveryEventAndPicksASource) {
  const auto& s = pb::counter_support();
  ASSERT_EQ(s.events.size(), 5u);
  EXPECT_EQ(s.events[0].name, "PAPI_TOT_CYC");
  EXPECT_EQ(s.events[1].name, "PAPI_TOT_INS");
  for (const auto& e : s.events)
    if (!e.usable) {
      EXPECT_FALSE(e.detail.empty()) << e.name << ": an unusable event must say why";
    }
  // The cycle source follows the probe of PAPI_TOT_CYC, never PAPI's listing.
  EXPECT_EQ(s.cycles == pb::CycleSource::papi, s.events[0].usable);
  EXPECT_EQ(s.instructions, s.events[1].usable);
  if (s.cycles == pb::CycleSource::tsc) RecordProperty("cycles", "TSC (no PMU here: " + s.events[0].detail + ")");
}

TEST(Counters, DescribeNamesTheCycleSource) {
  const std::string d = pb::describe_counters();
  EXPECT_NE(d.find("cycles: "), std::string::npos) << d;
  EXPECT_NE(d.find("instructions: "), std::string::npos) << d;
  EXPECT_NE(d.find("perf::CONTEXT-SWITCHES"), std::string::npos) << d;
  if (pb::counter_support().cycles == pb::CycleSource::tsc) {
    EXPECT_NE(d.find("TSC"), std::string::npos) << d;
  }
}

TEST(Tsc, CalibrationIsPlausible) {
  const auto& c = pb::tsc_calibration();
  EXPECT_GT(c.ghz, 0.5);
  EXPECT_LT(c.ghz, 10.0);
  EXPECT_GT(c.read_overhead_ticks, 0.0);
  EXPECT_LT(c.read_overhead_ticks, 5000.0) << "serialised TSC reads should cost tens of cycles";
}

TEST(Tsc, BatchCountersMeasureAKnownDelay) {
  // ~1 ms of spinning on the TSC itself: the counter must report it within 20%.
  const auto& c = pb::tsc_calibration();
  pb::BatchCounters counters;
  counters.start();
  const std::uint64_t t0 = pb::tsc_start();
  while (pb::tsc_start() - t0 < static_cast<std::uint64_t>(c.ghz * 1e6)) {
  }
  counters.stop();
  EXPECT_NEAR(counters.elapsed_us(), 1000.0, 200.0);
}

TEST(Noise, CvRowsAreJudgedOnCyclesPerIter) {
  benchmark::BenchmarkReporter::Run run;
  run.run_name.function_name = "loop/plain/off";
  run.run_type = benchmark::BenchmarkReporter::Run::RT_Aggregate;
  run.aggregate_name = "cv";
  run.repetitions = 9;
  run.real_accumulated_time = 0.01;
  run.counters["cycles_per_iter"] = benchmark::Counter(0.07);
  pb::UnstableRow row;
  ASSERT_TRUE(pb::spread_of(run, row));
  EXPECT_EQ(row.metric, "cycles_per_iter");
  EXPECT_DOUBLE_EQ(row.spread, 0.07);
  run.counters.clear();
  ASSERT_TRUE(pb::spread_of(run, row));
  EXPECT_EQ(row.metric, "real_time");
  EXPECT_DOUBLE_EQ(row.spread, 0.01);
  run.aggregate_name = "median";
  EXPECT_FALSE(pb::spread_of(run, row));
}

TEST(Noise, ReporterMarksUnstableRowsAndAdvisesOnce) {
  pokebench::support::CapturedDiagnostics captured;
  std::ostringstream out, err;
  pb::NoiseReporter reporter(benchmark::ConsoleReporter::OO_None);
  reporter.SetOutputStream(&out);
  reporter.SetErrorStream(&err);
  auto row = [](const char* name, const char* aggregate, double cycles) {
    benchmark::BenchmarkReporter::Run r;
    r.run_name.function_name = name;
    r.run_type = benchmark::BenchmarkReporter::Run::RT_Aggregate;
    r.aggregate_name = aggregate;
    r.aggregate_unit = std::string(aggregate) == "cv" ? benchmark::kPercentage : benchmark::kTime;
    r.repetitions = 9;
    r.iterations = 9;
    r.counters["cycles_per_iter"] = benchmark::Counter(cycles);
    return r;
  };
  reporter.ReportRuns({row("loop/a/off", "median", 1.0), row("loop/a/off", "cv", 0.02)});
  reporter.ReportRuns({row("loop/b/off", "median", 1.0), row("loop/b/off", "cv", 0.12)});
  reporter.Finalize();
  EXPECT_EQ(out.str().find("~ unstable: loop/a/off"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("~ unstable: loop/b/off cycles_per_iter varies 12.0%"), std::string::npos) << out.str();
  ASSERT_EQ(reporter.unstable().size(), 1u);
  EXPECT_NE(captured.text().find("pokebench: warning: 1 of 2 rows are unstable"), std::string::npos) << captured.text();
  EXPECT_EQ(err.str(), "") << "messages go through the diagnostics sink, not the reporter's stream";
}
