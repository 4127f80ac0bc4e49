// What listing a history costs, as the database counts it (no timing): the
// work of the list query grows linearly with the runs stored, on both
// backends. SQLite counts the virtual machine steps of a statement
// (sqlite3_stmt_status); PostgreSQL's EXPLAIN ANALYZE counts the rows each
// plan node produced and discarded. A negative control shows the measure
// catches the quadratic query schema 3 had: a correlated subquery per run and
// table, on tables without an index on run_id.
#include <pokebench/results/document_io.hpp>
#include <pokebench/results/history.hpp>

#include "../src/history_schema.hpp"
#include "golden_path.hpp"
#include "history_fixture.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <string>

namespace pokebench::results {
namespace {

// The list query of schema 3, kept to prove the measure can fail.
constexpr const char* kQuadraticList = R"sql(
SELECT r.id, r.added_at, r.date, r.git_sha, r.host, r.source,
  (SELECT count(DISTINCT benchmark) FROM samples s WHERE s.run_id = r.id),
  (SELECT count(*) FROM samples s WHERE s.run_id = r.id),
  (SELECT coalesce(sum(hangs + torn_reads), 0) FROM correctness c WHERE c.run_id = r.id AND c.is_fix = 1) +
  (SELECT coalesce(sum(hangs + torn_reads), 0) FROM matrix m WHERE m.run_id = r.id AND m.expected_ok = 1),
  (SELECT coalesce(sum(hangs), 0) FROM correctness c WHERE c.run_id = r.id AND c.strategy = 'per-site') +
  (SELECT coalesce(sum(hangs), 0) FROM matrix m WHERE m.run_id = r.id AND m.strategy = 'per-site'),
  (SELECT coalesce(sum(trials), 0) FROM correctness c WHERE c.run_id = r.id AND c.strategy = 'per-site') +
  (SELECT coalesce(sum(trials), 0) FROM matrix m WHERE m.run_id = r.id AND m.strategy = 'per-site')
FROM runs r ORDER BY r.id
)sql";

constexpr int kSmall = 30, kLarge = 120;  // 4 times the runs: linear work is ~4 times, quadratic ~16

// A small run with rows in every table (the quadratic term needs matrix and
// correctness rows), so a history of 120 runs is stored in seconds.
ResultDocument small_run() {
  ResultDocument doc = parse_result_json(testing::slurp(testing::golden("report_run.json")), "report_run.json");
  doc.samples.resize(3);
  doc.matrix.resize(6);
  return doc;
}

// SQLite's count of virtual machine steps for one run of `sql`.
std::int64_t sqlite_work(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
  }
  EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db);
  const std::int64_t steps = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return steps;
}

// Rows a plan node and its children produced or filtered out, over all loops
// (EXPLAIN ANALYZE shows per-loop averages).
double plan_rows(const nlohmann::json& node) {
  double rows = node.value("Actual Rows", 0.0) + node.value("Rows Removed by Filter", 0.0) +
                node.value("Rows Removed by Join Filter", 0.0);
  double total = rows * node.value("Actual Loops", 1.0);
  if (node.contains("Plans"))
    for (const auto& child : node["Plans"]) total += plan_rows(child);
  return total;
}

class HistoryCostTest : public testing::HistoryTest {
 protected:
  // A history of `runs` copies of small_run(), analysed (the planner's
  // statistics, as a server's autovacuum keeps them).
  std::string history_of(int runs) {
    const std::string location = fresh("h" + std::to_string(runs));
    History h(location, History::Mode::create);
    const ResultDocument doc = small_run();
    for (int i = 0; i < runs; ++i) h.add(doc, "run" + std::to_string(i));
    raw_exec(location, "ANALYZE");
    return location;
  }
  double work(const std::string& location, const std::string& sql) {
    if (backend_ == "sqlite") return static_cast<double>(sqlite_work(location, sql));
    const auto plan = nlohmann::json::parse(testing::pg_exec(location, "EXPLAIN (ANALYZE, FORMAT JSON) " + sql));
    return plan_rows(plan.at(0).at("Plan"));
  }
  // The first column of the first row of `sql` on the test's history.
  std::int64_t value(const std::string& sql) {
    if (backend_ == "postgresql") return std::stoll(testing::pg_exec(db(), sql));
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db().c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    const std::int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(raw);
    return v;
  }
  // How much more work the query does on the large history than on the small.
  double growth(const std::string& small, const std::string& large, const std::string& sql) {
    const double a = work(small, sql), b = work(large, sql);
    EXPECT_GT(a, 0) << sql;
    return b / a;
  }
};

TEST_P(HistoryCostTest, ListingGrowsLinearlyWithTheHistory) {
  const std::string small = history_of(kSmall), large = history_of(kLarge);
  const std::string list = detail::run_summary_query("SELECT id FROM runs");
  const double linear = growth(small, large, list);
  EXPECT_LT(linear, 6.0) << "the list query's work grew " << linear << "x for 4x the runs";
  // Negative control: schema 3's query on tables without their run_id index
  // grows quadratically, and the measure says so.
  for (const std::string& location : {small, large})
    raw_exec(location, "DROP INDEX correctness_by_run; DROP INDEX matrix_by_run");
  const double quadratic = growth(small, large, kQuadraticList);
  EXPECT_GT(quadratic, 10.0) << "the measure did not catch a quadratic query (" << quadratic << "x)";
  // The list query does not lean on those indexes.
  EXPECT_LT(growth(small, large, list), 6.0);

  // And what it lists is every run, each with its counts; --last N is the newest N.
  const History h(large, History::Mode::read_only);
  const auto runs = h.list();
  ASSERT_EQ(runs.size(), static_cast<std::size_t>(kLarge));
  for (const RunSummary& r : runs) {
    EXPECT_EQ(r.samples, 3);
    EXPECT_GT(r.bug_trials, 0);
  }
  const auto last = h.list("golden-host", 2);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0].id, runs[kLarge - 2].id);
  EXPECT_EQ(last[1].id, runs[kLarge - 1].id);
  EXPECT_TRUE(h.list("another-host", 2).empty());
}

// A schema-3 history (as main wrote on both backends) is upgraded by its
// first reader (to 4, then 5): the run_id indexes appear, the runs read back
// the same.
TEST_P(HistoryCostTest, AVersion3HistoryGetsTheRunIndexes) {
  const ResultDocument doc = small_run();
  store_then_downgrade(doc, std::string(kUndoVersion5) +
                                "DROP INDEX correctness_by_run; DROP INDEX matrix_by_run; "
                                "UPDATE history_meta SET schema_version = 3");
  if (backend_ == "sqlite") raw_exec(db(), "PRAGMA user_version = 3");
  const History h(db(), History::Mode::read_only);
  EXPECT_EQ(to_json(h.load(1)), to_json(doc));
  EXPECT_EQ(
      value(backend_ == "sqlite" ? "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE '%_by_run'"
                                 : "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%_by_run'"),
      2);
  EXPECT_EQ(value("SELECT schema_version FROM history_meta"), 5);
  if (backend_ == "sqlite") {
    EXPECT_EQ(value("PRAGMA user_version"), 5);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, HistoryCostTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<const char*>& p) { return std::string(p.param); });

}  // namespace
}  // namespace pokebench::results
