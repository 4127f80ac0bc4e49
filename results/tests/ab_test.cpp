// The A/B decision: the Hodges-Lehmann interval against textbook values, and
// decide_ab on synthetic process samples (A/A, a shift, an exact counter, a
// missing metric, too few rounds).
#include <pokebench/results/ab.hpp>
#include <pokebench/results/hodges_lehmann.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace pr = pokebench::results;

namespace {

std::vector<double> iota(int n, double start, double step) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(start + i * step);
  return v;
}

TEST(AbMetric, EachFamilyIsJudgedOnItsOwnMetric) {
  EXPECT_EQ(pr::ab_metric("loop/cookie/on"), "cycles_per_iter");
  EXPECT_EQ(pr::ab_metric("loop/cookie/writer:10us"), "cycles_per_iter");
  EXPECT_EQ(pr::ab_metric("loop/cookie/writer:0/separate-lines"), "cycles_per_iter");
  EXPECT_EQ(pr::ab_metric("loop/cookie/flipping"), "ref_units");
  EXPECT_EQ(pr::ab_metric("write/seqcount"), "cycles_per_iter");
  EXPECT_EQ(pr::ab_metric("patch/batched/procmem/sites:64"), "ref_units");
  EXPECT_EQ(pr::ab_metric("sync/ipi"), "real_time");
}

// A process's repetitions are summarised as the nightly gate summarises a
// run's: a loop off/on row by its fastest repetition, other rows by the median.
TEST(AbProcessSample, LoopRowsTakeTheFastestRepetitionOthersTheMedian) {
  pr::ResultDocument doc;
  for (const double cycles : {12.0, 10.0, 19.0}) {
    doc.samples.push_back({"loop/x/off", 0, 1024, cycles * 10, cycles * 10, {{"cycles_per_iter", cycles}}});
    doc.samples.push_back({"patch/y/sites:4", 0, 1, cycles * 100, cycles * 100, {{"ref_units", cycles}}});
  }
  const pr::ProcessSample p = pr::to_process_sample(doc);
  EXPECT_EQ(p.rows.at("loop/x/off").at("cycles_per_iter"), 10.0);
  EXPECT_EQ(p.rows.at("loop/x/off").at("real_time"), 100.0);
  EXPECT_EQ(p.rows.at("patch/y/sites:4").at("ref_units"), 12.0);
  EXPECT_EQ(p.rows.at("patch/y/sites:4").at("real_time"), 1200.0);
}

TEST(HodgesLehmann, TenAndTenAtFivePercentUseTheTwentyFourthDifference) {
  // Critical U for m = n = 10, two-sided 0.05, is 23 (tables of the
  // Mann-Whitney U): the interval is [D(24), D(77)] of the 100 differences.
  // With x = 0..9 and y = x + 100 the differences are 91..109, each value v
  // appearing 10 - |v - 100| times.
  const auto x = iota(10, 0, 1), y = iota(10, 100, 1);
  const pr::ShiftEstimate e = pr::hodges_lehmann(x, y, 0.05);
  ASSERT_TRUE(e.bounded);
  EXPECT_DOUBLE_EQ(e.shift, 100);
  std::vector<double> d;
  for (double a : x)
    for (double b : y) d.push_back(b - a);
  std::sort(d.begin(), d.end());
  EXPECT_DOUBLE_EQ(e.lower, d[23]);
  EXPECT_DOUBLE_EQ(e.upper, d[76]);
  EXPECT_GE(e.coverage, 0.95);
  EXPECT_LT(e.coverage, 0.96);
}

TEST(HodgesLehmann, TooFewSamplesGiveNoBoundedInterval) {
  // 3 and 3: the most extreme arrangement has probability 2/20 > 0.05.
  const pr::ShiftEstimate e = pr::hodges_lehmann(iota(3, 0, 1), iota(3, 5, 1), 0.05);
  EXPECT_FALSE(e.bounded);
  EXPECT_EQ(pr::min_samples_for(0.05), 4);   // 2/70
  EXPECT_EQ(pr::min_samples_for(0.001), 7);  // 2/3432
  EXPECT_THROW(pr::hodges_lehmann({}, iota(3, 0, 1), 0.05), std::invalid_argument);
}

TEST(HodgesLehmann, LargeSamplesUseTheNormalApproximationAndStillCover) {
  const auto x = iota(60, 0, 1), y = iota(60, 0.5, 1);
  const pr::ShiftEstimate e = pr::hodges_lehmann(x, y, 0.05);
  ASSERT_TRUE(e.bounded);
  EXPECT_LT(e.lower, 0.5);
  EXPECT_GT(e.upper, 0.5);
}

// One process's rows: loop/x/off (cycles), patch/y (ref_units + an exact counter).
pr::ProcessSample process(double cycles, double ref_units, double syncs, int i) {
  pr::ProcessSample p;
  p.origin = "test";
  const double jitter = 1 + 0.001 * ((i * 7) % 5);  // within 0.5%: far below min_change
  p.rows["loop/x/off"] = {{"real_time", 100.0 * (1 + i % 3)}, {"cycles_per_iter", cycles * jitter}};
  p.rows["patch/y/sites:4"] = {{"real_time", 5000.0}, {"ref_units", ref_units * jitter}, {"syncs_per_flip", syncs}};
  return p;
}

std::vector<pr::ProcessSample> side(int rounds, double cycles, double ref_units = 3.0, double syncs = 12) {
  std::vector<pr::ProcessSample> v;
  for (int i = 0; i < rounds; ++i) v.push_back(process(cycles, ref_units, syncs, i));
  return v;
}

const pr::AbRow& row(const pr::AbReport& r, const std::string& name) {
  for (const auto& x : r.rows)
    if (x.name == name) return x;
  throw std::runtime_error("no row " + name);
}

TEST(DecideAb, AaIsSameAndAFivePercentShiftIsSlower) {
  const pr::AbReport aa = pr::decide_ab(side(10, 10), side(10, 10), {});
  EXPECT_FALSE(aa.changed()) << pr::format_ab_text(aa);
  EXPECT_EQ(row(aa, "loop/x/off").verdict, pr::AbVerdict::same);
  EXPECT_EQ(row(aa, "loop/x/off").metric, "cycles_per_iter");
  EXPECT_EQ(row(aa, "patch/y/sites:4").metric, "ref_units");

  const pr::AbReport ab = pr::decide_ab(side(10, 10), side(10, 10.5), {});
  EXPECT_TRUE(ab.regressed()) << pr::format_ab_text(ab);
  EXPECT_EQ(row(ab, "loop/x/off").verdict, pr::AbVerdict::slower);
  EXPECT_NEAR(row(ab, "loop/x/off").ratio, 1.05, 0.005);
  EXPECT_EQ(row(ab, "patch/y/sites:4").verdict, pr::AbVerdict::same);
  EXPECT_EQ(ab.exit_code(), 1);
  EXPECT_NE(pr::ab_verdict_line(ab).find("verdict: CHANGED slower=1"), std::string::npos);

  const pr::AbReport faster = pr::decide_ab(side(10, 10.5), side(10, 10), {});
  EXPECT_EQ(row(faster, "loop/x/off").verdict, pr::AbVerdict::faster);
  EXPECT_FALSE(faster.regressed());
  EXPECT_TRUE(faster.changed());
}

TEST(DecideAb, AShiftBelowTheMinimumChangeIsNotCounted) {
  pr::AbOptions o;
  o.min_change_pct = 10;
  const pr::AbReport r = pr::decide_ab(side(10, 10), side(10, 10.5), o);
  EXPECT_EQ(row(r, "loop/x/off").verdict, pr::AbVerdict::same);
}

TEST(DecideAb, OneMoreSyncPerFlipIsAnExactChangeWhateverTheTimes) {
  const pr::AbReport r = pr::decide_ab(side(10, 10, 3.0, 12), side(10, 10, 3.0, 13), {});
  const auto& p = row(r, "patch/y/sites:4");
  EXPECT_EQ(p.verdict, pr::AbVerdict::exact_change);
  EXPECT_NE(p.note.find("syncs_per_flip 12 -> 13"), std::string::npos) << p.note;
  EXPECT_TRUE(r.regressed());
}

TEST(DecideAb, AMissingMetricFallsBackToRealTimeAndSaysSo) {
  auto a = side(10, 10);
  for (auto& p : a) p.rows["patch/y/sites:4"].erase("ref_units");
  const pr::AbReport r = pr::decide_ab(a, side(10, 10), {});
  const auto& p = row(r, "patch/y/sites:4");
  EXPECT_EQ(p.metric, "real_time");
  EXPECT_NE(p.note.find("ref_units missing in A"), std::string::npos) << p.note;
}

TEST(DecideAb, TooFewRoundsAreUnresolvedAndTheVerdictSaysHowManyAreNeeded) {
  const pr::AbReport r = pr::decide_ab(side(3, 10), side(3, 20), {});
  EXPECT_EQ(row(r, "loop/x/off").verdict, pr::AbVerdict::unresolved);
  EXPECT_FALSE(r.changed());
  // Two benchmarks: alpha 0.025 each, 2 / C(2n, n) <= 0.025 from n = 5.
  EXPECT_EQ(r.rounds_needed, 5);
  EXPECT_NE(pr::ab_verdict_line(r).find("need at least 5 rounds"), std::string::npos);
}

TEST(DecideAb, JsonCarriesEveryRowAndTheVerdict) {
  const nlohmann::json j = pr::format_ab_json(pr::decide_ab(side(10, 10), side(10, 10.5), {}));
  EXPECT_EQ(j["rows"].size(), 2u);
  EXPECT_TRUE(j["regressed"].get<bool>());
  EXPECT_EQ(j["rows"][0]["benchmark"], "loop/x/off");
  EXPECT_TRUE(j["rows"][0]["interval"].is_array());
}

}  // namespace
