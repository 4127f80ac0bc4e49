// The history on both backends (SQLite file, PostgreSQL server): add, list,
// load, selectors, pooling, refusal of foreign and newer databases, writers at
// once. Every TEST_P runs once per backend.
#include <pokebench/results/document_io.hpp>
#include <pokebench/results/history.hpp>

#include "golden_path.hpp"
#include "history_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace pokebench::results {
namespace {

using testing::golden;
using testing::HistoryFixture;
using testing::slurp;

ResultDocument load(const std::string& name) { return parse_result_json(slurp(golden(name)), name); }

class HistoryTest : public testing::HistoryTest {};
class SqliteHistoryTest : public ::testing::Test, protected HistoryFixture {
 protected:
  void SetUp() override { open("sqlite"); }
  void TearDown() override { close(); }
};

TEST_P(HistoryTest, AddListLoadRoundTrip) {
  History h(db(), History::Mode::create);  // creates the missing directory too (SQLite)
  const ResultDocument doc = load("report_run.json");
  const auto id = h.add(doc, "report_run.json");
  EXPECT_EQ(id, 1);
  const auto runs = h.list();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].git_sha, doc.context.git_sha);
  EXPECT_EQ(runs[0].host, "golden-host");
  EXPECT_EQ(runs[0].samples, static_cast<std::int64_t>(doc.samples.size()));
  EXPECT_EQ(runs[0].fix_hangs, 0);
  EXPECT_GT(runs[0].bug_hangs, 0);
  const ResultDocument back = h.load(id);
  // Everything the document said comes back; only the origin differs.
  EXPECT_EQ(to_json(back), to_json(doc));
}

TEST_P(HistoryTest, OneRowPerRunBenchmarkAndRepetition) {
  History h(db(), History::Mode::create);
  const ResultDocument doc = load("baseline.json");
  h.add(doc, "a");
  ResultDocument dup = doc;
  dup.samples.push_back(dup.samples.front());
  EXPECT_THROW(h.add(dup, "dup.json"), InputError);
  EXPECT_EQ(h.list().size(), 1u) << "a rejected document must leave nothing behind";
}

TEST_P(HistoryTest, SelectorsPickRunsNewestLastAndPool) {
  History h(db(), History::Mode::create);
  ResultDocument a = load("baseline.json");
  ResultDocument b = load("aa_current.json");
  ResultDocument other = load("aa_current.json");
  other.context.host = "elsewhere";
  h.add(a, "a");      // 1
  h.add(b, "b");      // 2
  h.add(other, "o");  // 3
  h.add(b, "b2");     // 4

  EXPECT_EQ(h.select(parse_history_selector("history:last=2"), "golden-host"), (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(h.select(parse_history_selector("history:last=2,host=*"), "golden-host"),
            (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(h.select(parse_history_selector("history:last=5,skip=1"), "golden-host"),
            (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(h.select(parse_history_selector("history:last=9,host=elsewhere"), ""), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(h.select(parse_history_selector("history:run=3"), "golden-host"), (std::vector<std::int64_t>{3}));
  EXPECT_THROW(h.select(parse_history_selector("history:run=99"), ""), InputError);

  const ResultDocument pooled = h.load_pooled("history:last=2", {2, 4});
  EXPECT_EQ(pooled.samples.size(), 2 * b.samples.size());
  EXPECT_NE(pooled.origin.find("2 runs 2,4"), std::string::npos) << pooled.origin;
  int max_rep = 0;
  for (const Sample& s : pooled.samples) max_rep = std::max(max_rep, s.repetition);
  EXPECT_EQ(max_rep, 19) << "repetitions are renumbered across pooled runs";
  EXPECT_THROW(h.load_pooled("history:last=2", {}), InputError);
}

TEST(HistorySelector, ParsesAndRejects) {
  const HistorySelector s = parse_history_selector("history:last=5,skip=1,host=ci-01");
  EXPECT_EQ(s.last, 5);
  EXPECT_EQ(s.skip, 1);
  EXPECT_EQ(s.host, "ci-01");
  EXPECT_EQ(parse_history_selector("history:run=12").run, 12);
  for (const char* bad : {"history:", "history:last=0", "history:last=x", "history:run=1,last=2", "history:foo=1",
                          "history:last=1,last=2", "history:skip=1", "history:run=-3", "history:last"})
    EXPECT_THROW(parse_history_selector(bad), InputError) << bad;
  EXPECT_TRUE(is_history_selector("history:last=1"));
  EXPECT_FALSE(is_history_selector("history.json"));
}

TEST_P(HistoryTest, RefusesMissingForeignAndNewerDatabases) {
  EXPECT_THROW(History(db(), History::Mode::read_only), EnvironmentError);  // no file / no schema yet
  if (backend_ == "sqlite") {
    const std::string text = (dir_ / "not-a-db").string();
    std::ofstream(text) << "hello, I am not SQLite, but I am long enough to have a header of sorts......";
    EXPECT_THROW(History(text, History::Mode::create), EnvironmentError);
  }
  { History h(db(), History::Mode::create); }
  // Pretend a newer pokebench migrated it.
  raw_exec(db(), "UPDATE history_meta SET schema_version = 7");
  try {
    History h(db(), History::Mode::read_only);
    ADD_FAILURE() << "opened a history of schema version 7";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 7"), std::string::npos) << e.what();
  }
  // A non-empty database that is not ours is refused, not taken over.
  const std::string foreign = fresh("foreign");
  raw_exec(foreign, "CREATE TABLE t(x INTEGER)");
  EXPECT_THROW(History(foreign, History::Mode::create), EnvironmentError);
  // Another application that happens to keep a history_meta table.
  const std::string other = fresh("other");
  raw_exec(other, "CREATE TABLE history_meta(application TEXT, schema_version INTEGER)");
  raw_exec(other, "INSERT INTO history_meta VALUES('conbench', 3)");
  try {
    History h(other, History::Mode::create);
    ADD_FAILURE() << "took over another application's database";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find("another application ('conbench'"), std::string::npos) << e.what();
  }
}

// Version 2 existed only as SQLite files. A version-2 file (the schema before history_meta, seq and
// content_id) is upgraded in place by a read-only open; its runs read back
// in their order and get their content ids (push finds them).
TEST_F(SqliteHistoryTest, UpgradesAVersion2File) {
  const ResultDocument doc = load("report_run.json");
  // Back to version 2: what the upgrade adds, removed again.
  store_then_downgrade(doc, std::string(kUndoVersion5) +
                                "DROP TABLE history_meta; DROP INDEX runs_by_content; DROP INDEX correctness_by_run; "
                                "DROP INDEX matrix_by_run; ALTER TABLE runs DROP COLUMN content_id; "
                                "ALTER TABLE samples DROP COLUMN seq; ALTER TABLE correctness DROP COLUMN seq; "
                                "ALTER TABLE matrix DROP COLUMN seq; ALTER TABLE insns DROP COLUMN seq; "
                                "PRAGMA user_version = 2");
  History h(db(), History::Mode::read_only);
  EXPECT_EQ(to_json(h.load(1)), to_json(doc));
  EXPECT_FALSE(h.add_if_absent(doc, "again", "").has_value()) << "the upgrade must fill in content ids";
}

// Pushing the same run twice stores it once: runs are known by their content.
TEST_P(HistoryTest, AddIfAbsentStoresARunOnce) {
  History h(db(), History::Mode::create);
  const ResultDocument doc = load("baseline.json");
  const auto first = h.add_if_absent(doc, "a", "2026-01-01T00:00:00Z");
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(h.add_if_absent(doc, "b", "").has_value());
  ResultDocument other = doc;
  other.context.git_sha = "another";
  EXPECT_TRUE(h.add_if_absent(other, "c", "").has_value());
  EXPECT_EQ(h.list().size(), 2u);
  EXPECT_EQ(h.summary(*first)->added_at, "2026-01-01T00:00:00Z") << "a pushed run keeps when it was stored";
  EXPECT_EQ(content_id(h.load(*first)), content_id(doc));
}

// Runners sharing one new database: ten processes open it (creating it) and
// add a run at the same moment, five times over; every run is stored and no
// process fails (the schema is created once, under the write lock).
TEST_P(HistoryTest, TenConcurrentWritersOnANewDatabaseLoseNothing) {
  const ResultDocument doc = load("baseline.json");
  for (int round = 0; round < 5; ++round) {
    const std::string path = fresh("round" + std::to_string(round));
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    std::vector<pid_t> kids;
    for (int i = 0; i < 10; ++i) {
      const pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        ::close(go[1]);
        char c;
        (void)!::read(go[0], &c, 1);  // all start together when the pipe closes
        try {
          History h(path, History::Mode::create);
          h.add(doc, "writer" + std::to_string(i));
          ::_exit(0);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "writer %d: %s\n", i, e.what());
          ::_exit(1);
        }
      }
      kids.push_back(pid);
    }
    ::close(go[0]);
    ::close(go[1]);
    int failed = 0;
    for (const pid_t pid : kids) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    EXPECT_EQ(failed, 0) << "round " << round;
    History h(path, History::Mode::read_only);
    EXPECT_EQ(h.list().size(), 10u) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, HistoryTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<const char*>& p) { return std::string(p.param); });

}  // namespace
}  // namespace pokebench::results
