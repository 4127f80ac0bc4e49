// The regression gate on committed golden inputs, its three renderings pinned
// by expected files. Re-bless after an intended change with
// POKEBENCH_UPDATE_GOLDEN=1 and review the diff.
#include <pokebench/results/document_io.hpp>
#include <pokebench/results/regress.hpp>

#include "golden_path.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

namespace pokebench::results {
namespace {

using testing::golden;
using testing::slurp;

ResultDocument load(const std::string& name) { return parse_result_json(slurp(golden(name)), name); }

void expect_matches_golden(const std::string& actual, const std::string& expected_name) {
  const std::string path = golden("expected/" + expected_name);
  if (std::getenv("POKEBENCH_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  EXPECT_EQ(actual, slurp(path)) << "output differs from " << path
                                 << " (re-bless with POKEBENCH_UPDATE_GOLDEN=1 if intended)";
}

struct Case {
  const char* name;
  const char* current;
  int exit_code;
};
// gtest prints a case by its name and file, not as raw bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name << " (" << c.current << ")"; }

class RegressGolden : public ::testing::TestWithParam<Case> {};

TEST_P(RegressGolden, MatchesExpectedOutputs) {
  const Case& c = GetParam();
  const RegressReport report = regress(load("baseline.json"), load(c.current), GateOptions{});
  EXPECT_EQ(report.exit_code(), c.exit_code);
  expect_matches_golden(format_text(report), std::string(c.name) + ".txt");
  expect_matches_golden(format_markdown(report), std::string(c.name) + ".md");
  expect_matches_golden(format_json(report).dump(2) + "\n", std::string(c.name) + ".json");
}

INSTANTIATE_TEST_SUITE_P(Cases, RegressGolden,
                         ::testing::Values(Case{"aa", "aa_current.json", 0}, Case{"slow10", "slow10_current.json", 1},
                                           Case{"insns", "insns_current.json", 1},
                                           Case{"few_reps", "few_reps_current.json", 0},
                                           Case{"fix_hang", "fix_hang_current.json", 1},
                                           Case{"bug_lost", "bug_lost_current.json", 1},
                                           Case{"gbench", "gbench_1_7.json", 0}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// The behaviour the expected files encode, stated outright so a careless
// re-bless cannot turn a failing gate into a passing one.
// Rows without their family's counter (no ref_units in the golden runs) are shown, never gated.
Verdict expected_unchanged(const TimingRow& t, Verdict gated_rows) {
  return t.benchmark == "loop/cookie/flipping" || t.benchmark.rfind("patch/", 0) == 0 ? Verdict::shown : gated_rows;
}

TEST(Regress, AaPairGatesNothing) {
  const RegressReport r = regress(load("baseline.json"), load("aa_current.json"), {});
  EXPECT_FALSE(r.gated());
  for (const TimingRow& t : r.timings) EXPECT_EQ(t.verdict, expected_unchanged(t, Verdict::same)) << t.benchmark;
}

TEST(Regress, EachFamilyIsGatedOnItsOwnMetric) {
  const RegressReport r = regress(load("baseline.json"), load("aa_current.json"), {});
  for (const TimingRow& t : r.timings) {
    if (t.benchmark.rfind("loop/", 0) == 0 && t.benchmark.find("flipping") == std::string::npos) {
      EXPECT_EQ(t.metric, "cycles_per_iter") << t.benchmark;
    } else {
      EXPECT_EQ(t.metric, "real_time") << t.benchmark;
      EXPECT_EQ(t.rule, "no reference: shown, not gated") << t.benchmark;
    }
  }
  ResultDocument with_ref = load("aa_current.json");
  for (Sample& s : with_ref.samples) s.counters["ref_units"] = 2.0;
  for (const TimingRow& t : regress(load("baseline.json"), with_ref, {}).timings) {
    if (t.benchmark.rfind("patch/", 0) == 0) {
      EXPECT_EQ(t.metric, "ref_units");
    }
  }
}

TEST(Regress, TenPercentSlowdownIsNamed) {
  const RegressReport r = regress(load("baseline.json"), load("slow10_current.json"), {});
  ASSERT_EQ(r.timing_regressions(), 1u);
  for (const TimingRow& t : r.timings) {
    if (t.benchmark == "loop/ordered/on") {
      EXPECT_EQ(t.verdict, Verdict::regression);
      EXPECT_NEAR(t.change_pct, 10.0, 2.0);
      EXPECT_LT(t.p_value, 0.01);
    } else {
      EXPECT_EQ(t.verdict, expected_unchanged(t, Verdict::same)) << t.benchmark;
    }
  }
  EXPECT_NE(format_text(r).find("verdict: REGRESSION 1 timing, 0 instruction count, 0 exact counter, 0 correctness: "
                                "loop/ordered/on cycles_per_iter"),
            std::string::npos)
      << format_text(r);
}

TEST(Regress, SlowdownBelowMinimumChangeDoesNotGate) {
  GateOptions o;
  o.min_change_pct = 15;  // the 10% slowdown is significant but below this bar
  EXPECT_FALSE(regress(load("baseline.json"), load("slow10_current.json"), o).gated());
}

TEST(Regress, InstructionCountChangeGatesWithoutStatistics) {
  const RegressReport r = regress(load("baseline.json"), load("insns_current.json"), {});
  EXPECT_EQ(r.timing_regressions(), 0u);
  EXPECT_EQ(r.insns_regressions(), 1u);
  GateOptions lax;
  lax.insns_threshold_pct = 20;  // 14 -> 16 is +14.3%
  EXPECT_FALSE(regress(load("baseline.json"), load("insns_current.json"), lax).gated());
}

TEST(Regress, FewerInstructionsGateToo) {
  ResultDocument cur = load("aa_current.json");
  for (InsnsCount& i : cur.insns)
    if (i.benchmark == "loop/ordered/off") i.insns_per_iter = 9;  // 11 -> 9: the body changed or vanished
  const RegressReport r = regress(load("baseline.json"), cur, {});
  ASSERT_EQ(r.insns_regressions(), 1u);
  for (const InsnsRow& i : r.insns)
    EXPECT_EQ(i.verdict, i.benchmark == "loop/ordered/off" ? Verdict::changed : Verdict::same);
  EXPECT_NE(format_text(r).find("loop/ordered/off instructions -18.2%"), std::string::npos) << format_text(r);
  for (InsnsCount& i : cur.insns)
    if (i.benchmark == "loop/ordered/off") i.insns_per_iter = 12;  // +1 instruction: an exact count, caught
  EXPECT_TRUE(regress(load("baseline.json"), cur, {}).gated());
  GateOptions lax;
  lax.insns_threshold_pct = 10;  // +9.1%: within an explicit threshold
  EXPECT_FALSE(regress(load("baseline.json"), cur, lax).gated());
}

TEST(Regress, TooFewRepetitionsAreUnreliableAndDoNotGate) {
  const RegressReport r = regress(load("baseline.json"), load("few_reps_current.json"), {});
  EXPECT_FALSE(r.gated());
  for (const TimingRow& t : r.timings) EXPECT_EQ(t.verdict, expected_unchanged(t, Verdict::unreliable)) << t.benchmark;
  GateOptions five;
  five.min_repetitions = 5;
  EXPECT_TRUE(regress(load("baseline.json"), load("few_reps_current.json"), five).gated())
      << "the same data gates once 5 repetitions are enough: the injected slowdown is real";
}

TEST(Regress, FixStrategyHangGatesAndLostBugGates) {
  const RegressReport hang = regress(load("baseline.json"), load("fix_hang_current.json"), {});
  EXPECT_EQ(hang.correctness_failures(), 1u);
  EXPECT_NE(format_text(hang).find("fix strategy 'ordered' enable: 1 hang(s)"), std::string::npos);
  const RegressReport lost = regress(load("baseline.json"), load("bug_lost_current.json"), {});
  EXPECT_GE(lost.correctness_failures(), 1u);
  EXPECT_NE(format_text(lost).find("lost its teeth"), std::string::npos);
}

TEST(Regress, CorrectnessGatesEvenAgainstItself) {
  const ResultDocument bad = load("fix_hang_current.json");
  EXPECT_TRUE(regress(bad, bad, {}).gated());
}

// Gives one torture cell of `doc` (strategy, order, direction, int3) this verdict.
void set_cell_verdict(ResultDocument& doc, const std::array<std::string, 4>& which, const std::string& verdict) {
  for (MatrixCell& cell : doc.matrix)
    if (std::array<std::string, 4>{cell.strategy, cell.order, cell.direction, cell.int3} == which)
      cell.verdict = verdict;
}

// The rows of the report that gate.
std::vector<CorrectnessRow> gating_rows(const RegressReport& r) {
  std::vector<CorrectnessRow> rows;
  for (const CorrectnessRow& c : r.correctness)
    if (c.gates) rows.push_back(c);
  return rows;
}

TEST(Regress, MatrixCellsGate) {
  ResultDocument doc = load("report_run.json");
  EXPECT_FALSE(regress(doc, doc, {}).gated());
  set_cell_verdict(doc, {"cookie", "reverse", "disable", "skip"}, "TORN");
  const RegressReport r = regress(doc, doc, {});
  ASSERT_EQ(r.correctness_failures(), 1u);
  for (const CorrectnessRow& c : gating_rows(r)) EXPECT_EQ(c.strategy + "/" + c.scope, "cookie/matrix");
}

TEST(Regress, AnUnjudgedMatrixCellOfAFixGates) {
  ResultDocument doc = load("report_run.json");
  set_cell_verdict(doc, {"ordered", "table", "enable", "skip"}, "ERROR");
  const RegressReport r = regress(doc, doc, {});
  ASSERT_EQ(r.correctness_failures(), 1u);
  for (const CorrectnessRow& c : gating_rows(r))
    EXPECT_NE(c.reason.find("1 cell(s) in ERROR"), std::string::npos) << c.reason;
}

TEST(Regress, CounterMetric) {
  GateOptions o;
  o.metric = "cycles_per_iter";
  const RegressReport r = regress(load("baseline.json"), load("slow10_current.json"), o);
  EXPECT_EQ(r.timing_regressions(), 1u);
  o.metric = "no_such_counter";
  const RegressReport none = regress(load("baseline.json"), load("slow10_current.json"), o);
  EXPECT_FALSE(none.gated());
  for (const TimingRow& t : none.timings) EXPECT_EQ(t.verdict, Verdict::no_data);
}

TEST(Regress, NewAndVanishedBenchmarksAreReportedNotGated) {
  ResultDocument base = load("baseline.json");
  ResultDocument cur = load("aa_current.json");
  for (Sample& s : cur.samples)
    if (s.benchmark == "loop/plain/off") s.benchmark = "loop/plain/renamed";
  const RegressReport r = regress(base, cur, {});
  EXPECT_FALSE(r.gated());
  int seen = 0;
  for (const TimingRow& t : r.timings) {
    if (t.benchmark == "loop/plain/renamed") seen += t.verdict == Verdict::only_current;
    if (t.benchmark == "loop/plain/off") seen += t.verdict == Verdict::only_baseline;
  }
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace pokebench::results
