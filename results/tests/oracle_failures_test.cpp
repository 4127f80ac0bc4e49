// The hotplug scenarios' failures besides hangs and torn reads: the
// scenario's own oracle (violations) and the lock-order checker (lock
// inversions), and torture's FAIL verdict. Read from compare and torture
// documents, gated for a fix, kept by the history on both backends.
#include <pokebench/results/document_io.hpp>
#include <pokebench/results/history.hpp>
#include <pokebench/results/regress.hpp>

#include "golden_path.hpp"
#include "history_fixture.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace pokebench::results {
namespace {

using testing::golden;
using testing::slurp;

ResultDocument load(const std::string& name) { return parse_result_json(slurp(golden(name)), name); }

// A cpu-notifier run as compare and torture write it: `unlocked` (the bug,
// marked known_bug as compare's schema 7 marks it) and `maps-locked` (the
// fix), one FAIL cell without counts.
constexpr const char* kHotplugRun = R"({"schema_version": 2, "scenario": "cpu-notifier",
  "context": {"date": "2026-12-03T00:00:00Z", "host": "h"}, "benchmarks": [],
  "strategies": [
    {"name": "unlocked", "is_fix": false, "known_bug": true, "correctness": {
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

// The known bug that stops failing gates in any scenario, not only slub's
// per-site: the harness would have lost its teeth.
TEST(OracleFailures, AKnownBugThatNoLongerFailsGates) {
  const ResultDocument baseline = load("baseline.json");
  ResultDocument current = parse_result_json(kHotplugRun, "hotplug.json");
  EXPECT_EQ(known_bug_of(current), "unlocked");
  const RegressReport holds = regress(baseline, current, GateOptions{});
  const CorrectnessRow* bug = row_of(holds, "unlocked", "enable");
  ASSERT_NE(bug, nullptr);
  EXPECT_FALSE(bug->gates);
  EXPECT_EQ(bug->reason, "known bug reproduced");
  // The counts that made it fail are in the tables, not only in the JSON.
  const std::string text = format_text(holds);
  EXPECT_NE(text.find("violations inversions"), std::string::npos) << text;
  EXPECT_NE(text.find("enable        100        0        0         40          0  known bug reproduced"),
            std::string::npos)
      << text;
  EXPECT_NE(format_markdown(holds).find("| violations | lock inversions |"), std::string::npos);

  for (StrategyCorrectness& sc : current.correctness)
    if (sc.strategy == "unlocked") sc.counts = {.trials = sc.counts.trials};
  for (MatrixCell& c : current.matrix)
    if (c.strategy == "unlocked") {
      c.verdict = "OK";
      c.hangs = c.torn_reads = c.violations = c.lock_inversions = 0;
    }
  const RegressReport r = regress(baseline, current, GateOptions{});
  for (const char* scope : {"enable", "disable", "matrix"}) {
    const CorrectnessRow* lost = row_of(r, "unlocked", scope);
    ASSERT_NE(lost, nullptr) << scope;
    EXPECT_TRUE(lost->gates) << scope;
    EXPECT_NE(lost->reason.find("known bug 'unlocked' of cpu-notifier no longer fails"), std::string::npos)
        << lost->reason;
  }
  EXPECT_EQ(r.exit_code(), 1);
}

// A document that does not name its known bug (compare before schema 7):
// said, not guessed. A slub document's is per-site.
TEST(OracleFailures, AnUnnamedKnownBugIsNotChecked) {
  std::string text = kHotplugRun;
  text.erase(text.find("\"known_bug\": true, "), std::string_view("\"known_bug\": true, ").size());
  const ResultDocument current = parse_result_json(text, "old.json");
  EXPECT_EQ(known_bug_of(current), "");
  const RegressReport r = regress(load("baseline.json"), current, GateOptions{});
  EXPECT_TRUE(std::any_of(
      r.notes.begin(), r.notes.end(),
      [](const std::string& n) { return n.find("does not name cpu-notifier's known bug") != std::string::npos; }))
      << "notes: " << fmt::format("{}", fmt::join(r.notes, " | "));
  const CorrectnessRow* bug = row_of(r, "unlocked", "enable");
  ASSERT_NE(bug, nullptr);
  EXPECT_FALSE(bug->gates);
  EXPECT_EQ(known_bug_of(load("baseline.json")), kBugStrategy);
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
  // The known bug's mark travels with compare's rows.
  ResultDocument marked = doc;
  marked.compare = hotplug.compare;
  marked.context.git_sha = "marked";
  EXPECT_EQ(known_bug_of(h.load(h.add(marked, "marked"))), "unlocked");
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
