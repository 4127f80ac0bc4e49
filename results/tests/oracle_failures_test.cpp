// The hotplug scenarios' failures besides hangs and torn reads: the
// scenario's own oracle (violations) and the lock-order checker (lock
// inversions), and torture's FAIL verdict. Read from compare and torture
// documents, gated for a fix, kept by the history on both backends.
#include <pokebench/results/document_io.hpp>
#include <pokebench/results/history.hpp>
#include <pokebench/results/regress.hpp>

#include "golden_path.hpp"
#include "history_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace pokebench::results {
namespace {

using testing::golden;
using testing::slurp;

ResultDocument load(const std::string& name) { return parse_result_json(slurp(golden(name)), name); }

// A cpu-notifier run as compare and torture write it: `unlocked` (the bug)
// and `maps-locked` (the fix), one FAIL cell without counts.
constexpr const char* kHotplugRun = R"({"schema_version": 2, "scenario": "cpu-notifier",
  "context": {"date": "2026-12-03T00:00:00Z", "host": "h"}, "benchmarks": [],
  "strategies": [
    {"name": "unlocked", "is_fix": false, "correctness": {
      "enable": {"trials": 100, "hangs": 0, "torn_reads": 0, "violations": 40, "lock_inversions": 0},
      "disable": {"trials": 90, "hangs": 0, "torn_reads": 0}}},
    {"name": "maps-locked", "is_fix": true, "correctness": {
      "enable": {"trials": 100, "hangs": 0, "torn_reads": 0, "violations": 0, "lock_inversions": 2},
      "disable": {"trials": 90, "hangs": 0, "torn_reads": 0, "violations": 0, "lock_inversions": 0}}}],
  "correctness_matrix": [
    {"strategy": "unlocked", "direction": "enable", "order": "forward", "int3": "skip", "verdict": "FAIL",
     "trials": 50, "hangs": 0, "torn_reads": 0, "violations": 12, "lock_inversions": 0, "expected_ok": false},
    {"strategy": "wait-in-dead", "direction": "disable", "order": "forward", "int3": "skip", "verdict": "FAIL",
     "trials": 3, "hangs": 0, "torn_reads": 0, "expected_ok": true}]})";

const CorrectnessRow* row_of(const RegressReport& r, const std::string& strategy, const std::string& scope) {
  const auto it = std::find_if(r.correctness.begin(), r.correctness.end(),
                               [&](const CorrectnessRow& c) { return c.strategy == strategy && c.scope == scope; });
  return it == r.correctness.end() ? nullptr : &*it;
}

TEST(OracleFailures, DocumentsCarryViolationsAndFail) {
  const ResultDocument doc = parse_result_json(kHotplugRun, "hotplug.json");
  ASSERT_EQ(doc.correctness.size(), 4u);
  EXPECT_EQ(doc.correctness[0].counts.violations, 40);
  EXPECT_EQ(doc.correctness[1].counts.violations, 0) << "absent: none";
  EXPECT_EQ(doc.correctness[2].counts.lock_inversions, 2);
  ASSERT_EQ(doc.matrix.size(), 2u);
  EXPECT_EQ(doc.matrix[0].verdict, "FAIL");
  EXPECT_EQ(doc.matrix[0].violations, 12);
  // Written back and read again: the same counts.
  const ResultDocument again = parse_result_json(to_json(doc).dump(), "again.json");
  EXPECT_EQ(again.matrix[0].violations, 12);
  EXPECT_EQ(again.correctness[2].counts.lock_inversions, 2);
  EXPECT_THROW(
      (void)parse_result_json(
          std::string(kHotplugRun).replace(std::string(kHotplugRun).find("\"FAIL\""), 6, "\"FAILED\""), "bad.json"),
      InputError);
}

TEST(OracleFailures, AFixWithAnInversionOrAFailCellGates) {
  const ResultDocument baseline = load("baseline.json");
  ResultDocument current = baseline;
  const ResultDocument hotplug = parse_result_json(kHotplugRun, "hotplug.json");
  current.correctness = hotplug.correctness;
  current.matrix = hotplug.matrix;
  const RegressReport r = regress(baseline, current, GateOptions{});
  const CorrectnessRow* fix = row_of(r, "maps-locked", "enable");
  ASSERT_NE(fix, nullptr);
  EXPECT_TRUE(fix->gates);
  EXPECT_EQ(fix->lock_inversions, 2);
  EXPECT_NE(fix->reason.find("2 lock inversion(s)"), std::string::npos) << fix->reason;
  const CorrectnessRow* fix_disable = row_of(r, "maps-locked", "disable");
  ASSERT_NE(fix_disable, nullptr);
  EXPECT_FALSE(fix_disable->gates) << fix_disable->reason;
  // A FAIL cell without counts still counts once.
  const CorrectnessRow* cell = row_of(r, "wait-in-dead", "matrix");
  ASSERT_NE(cell, nullptr);
  EXPECT_TRUE(cell->gates);
  EXPECT_EQ(cell->violations, 1);
  // The bug is shown, not gated, with its count.
  const CorrectnessRow* bug = row_of(r, "unlocked", "enable");
  ASSERT_NE(bug, nullptr);
  EXPECT_FALSE(bug->gates);
  EXPECT_EQ(bug->violations, 40);
  EXPECT_EQ(r.exit_code(), 1);
}

class OracleHistoryTest : public testing::HistoryTest {};

TEST_P(OracleHistoryTest, TheHistoryKeepsViolationsAndInversions) {
  ResultDocument doc = load("report_run.json");
  const ResultDocument hotplug = parse_result_json(kHotplugRun, "hotplug.json");
  doc.correctness = hotplug.correctness;
  doc.matrix = hotplug.matrix;
  doc.compare = nlohmann::json::array();  // the strategies from the rows above
  History h(db(), History::Mode::create);
  const auto id = h.add(doc, "hotplug");
  const ResultDocument back = h.load(id);
  ASSERT_EQ(back.correctness.size(), 4u);
  EXPECT_EQ(back.correctness[0].counts.violations, 40);
  EXPECT_EQ(back.correctness[2].counts.lock_inversions, 2);
  ASSERT_EQ(back.matrix.size(), 2u);
  EXPECT_EQ(back.matrix[0].violations, 12);
  EXPECT_EQ(back.matrix[1].verdict, "FAIL");
  // The fix's inversions and the expected-OK FAIL cell count as a fix failing.
  EXPECT_GT(h.summary(id)->fix_hangs, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, OracleHistoryTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<const char*>& p) { return std::string(p.param); });

// A version-4 file (before violations and lock_inversions) is upgraded in
// place; its runs read back with none.
class OracleSqliteTest : public ::testing::Test, protected testing::HistoryFixture {
 protected:
  void SetUp() override { open("sqlite"); }
  void TearDown() override { close(); }
};

TEST_F(OracleSqliteTest, UpgradesAVersion4File) {
  const ResultDocument doc = load("report_run.json");
  store_then_downgrade(doc, std::string(kUndoVersion5) + "UPDATE history_meta SET schema_version = 4");
  History h(db(), History::Mode::read_only);
  EXPECT_EQ(to_json(h.load(1)), to_json(doc));
  ResultDocument failing = doc;
  failing.context.git_sha = "another";
  ASSERT_FALSE(failing.matrix.empty());
  failing.matrix[0].violations = 3;
  History w(db(), History::Mode::create);
  const auto id = w.add(failing, "b");
  EXPECT_EQ(w.load(id).matrix[0].violations, 3);
}

}  // namespace
}  // namespace pokebench::results
