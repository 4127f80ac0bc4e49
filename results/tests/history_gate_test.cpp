// The gate against stored runs on synthetic runs whose shape is the one
// results/tests/calibration measured: a loop row's repetitions sit at a fast
// level that repeats across processes and at slower levels that come and go.
// A run's value of a loop off/on row is its fastest repetition; a writer row
// is shown, never gated against history.
#include <pokebench/results/metric.hpp>
#include <pokebench/results/regress.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace pokebench::results {
namespace {

constexpr const char* kRow = "loop/cookie/off";

// One run: nine repetitions of `row`, `slow` of them at the slow level (1.8x).
ResultDocument run(const std::string& row, double fast, int slow, const std::string& date) {
  ResultDocument d;
  d.context.date = date;
  for (int i = 0; i < 9; ++i) {
    Sample s;
    s.benchmark = row;
    s.repetition = i;
    s.iterations = 1000;
    const double cycles = i < slow ? fast * 1.8 : fast * (1 + 0.001 * i);
    s.real_time_ns = cycles / 2.0;
    s.cpu_time_ns = s.real_time_ns;
    s.counters["cycles_per_iter"] = cycles;
    d.samples.push_back(s);
  }
  return d;
}

// Five stored runs with `slow[i]` slow repetitions each.
std::vector<ResultDocument> history(const std::string& row, const std::vector<int>& slow) {
  std::vector<ResultDocument> runs;
  for (std::size_t i = 0; i < slow.size(); ++i)
    runs.push_back(run(row, 10.0, slow[i], "2026-12-0" + std::to_string(i + 1)));
  return runs;
}
const std::vector<int> kJumpingMedians = {0, 6, 2, 7, 5};  // medians at either level, as processes' are
const std::vector<int> kFastMedians = {0, 1, 2, 0, 3};     // every median at the fast level

const TimingRow& row_of(const RegressReport& r, const std::string& name) {
  for (const TimingRow& t : r.timings)
    if (t.benchmark == name) return t;
  throw std::runtime_error("no row " + name);
}

TEST(HistoryGate, ALoopRowIsJudgedOnItsFastestRepetition) {
  // Most repetitions slow (the median at the slow level), the fastest at the usual floor: same.
  const RegressReport moody = regress_history(history(kRow, kJumpingMedians), run(kRow, 10.0, 8, "2026-12-09"), {});
  const TimingRow& t = row_of(moody, kRow);
  EXPECT_EQ(t.statistic, Statistic::fastest);
  EXPECT_EQ(t.verdict, Verdict::same) << format_text(moody);
  EXPECT_DOUBLE_EQ(t.median_current, 10.0 * 1.008);  // the first fast repetition
  EXPECT_NE(format_text(moody).find("cycles_per_iter (fastest)"), std::string::npos) << format_text(moody);
  // The floor itself 10% higher, whatever the median does: a regression.
  const RegressReport slower = regress_history(history(kRow, kJumpingMedians), run(kRow, 11.0, 0, "2026-12-09"), {});
  EXPECT_EQ(row_of(slower, kRow).verdict, Verdict::regression) << format_text(slower);
}

// The negative control of the statistic: judged on the median (a row of no
// family), a run whose repetitions are mostly slow alarms against runs whose
// medians were fast; the loop row's fastest repetition does not.
TEST(HistoryGate, TheMedianOfTheSameRunsWouldAlarm) {
  const RegressReport loop = regress_history(history(kRow, kFastMedians), run(kRow, 10.0, 8, "2026-12-09"), {});
  EXPECT_EQ(row_of(loop, kRow).verdict, Verdict::same) << format_text(loop);
  const std::string other = "custom/cookie/off";  // no family rule: median of real_time
  const RegressReport r = regress_history(history(other, kFastMedians), run(other, 10.0, 8, "2026-12-09"), {});
  const TimingRow& t = row_of(r, other);
  EXPECT_EQ(t.statistic, Statistic::median);
  EXPECT_EQ(t.verdict, Verdict::regression) << format_text(r);
}

TEST(HistoryGate, WriterRowsAreShownNotGated) {
  for (const std::string name : {"loop/cookie/writer:10us", "loop/plain/writer:0/separate-lines", "write/seqcount"}) {
    EXPECT_EQ(family_of(name), Family::writer) << name;
    const RegressReport r = regress_history(history(name, kFastMedians), run(name, 20.0, 0, "2026-12-09"), {});
    const TimingRow& t = row_of(r, name);
    EXPECT_EQ(t.metric, "cycles_per_iter") << name;
    EXPECT_EQ(t.verdict, Verdict::shown) << name << "\n" << format_text(r);
    EXPECT_EQ(ab_metric(name), "cycles_per_iter") << name;
  }
}

TEST(HistoryGate, RunValueIsTheMedianOrTheFastest) {
  EXPECT_DOUBLE_EQ(run_value(Statistic::median, {3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(run_value(Statistic::fastest, {3, 1, 2}), 1);
  EXPECT_TRUE(std::isnan(run_value(Statistic::fastest, {})));
}

}  // namespace
}  // namespace pokebench::results
