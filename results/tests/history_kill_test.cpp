// A PostgreSQL server stopped at once (pg_ctl stop -m immediate, as a crash)
// while a writer adds runs: after recovery every stored run is whole.
#include <pokebench/results/document_io.hpp>
#include <pokebench/results/history.hpp>

#include "golden_path.hpp"
#include "pg_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace pokebench::results {
namespace {

using namespace std::chrono_literals;

// A run of 4000 samples: an add takes many round trips, so the stop lands in one.
ResultDocument big_run() {
  ResultDocument doc = parse_result_json(testing::slurp(testing::golden("baseline.json")), "baseline.json");
  const std::vector<Sample> base = doc.samples;
  for (int copy = 1; doc.samples.size() < 4000; ++copy)
    for (Sample s : base) {
      s.benchmark += "/copy" + std::to_string(copy);
      doc.samples.push_back(std::move(s));
    }
  return doc;
}

// Every run holds all of the document: the oracle of this test.
std::vector<std::string> partial_runs(const History& h, const ResultDocument& doc) {
  std::vector<std::string> bad;
  for (const RunSummary& r : h.list()) {
    const ResultDocument back = h.load(r.id);
    if (back.samples.size() != doc.samples.size() || back.correctness.size() != doc.correctness.size())
      bad.push_back(std::to_string(r.id) + " (" + std::to_string(back.samples.size()) + " samples)");
  }
  return bad;
}

TEST(HistoryServerKill, AnAddCutByAnImmediateStopLeavesEveryRunWhole) {
  std::string why;
  if (!testing::pg_server(why)) {
    if (!why.empty()) GTEST_SKIP() << "no PostgreSQL server: " << why;
    return;
  }
  // A cluster of its own: stopping the shared one would break the other tests.
  const std::string state =
      (std::filesystem::temp_directory_path() / ("pokebench-pg-kill-" + std::to_string(::getpid()))).string();
  testing::pg_cluster("start", state);
  struct Stop {
    std::string state;
    ~Stop() {
      try {
        testing::pg_cluster("stop", state);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    }
  } stop{state};
  testing::PgServer server;
  std::ifstream(state) >> server.dir;
  std::ifstream(server.dir + "/url") >> server.admin_url;
  const std::string url = testing::pg_create_database(server, "killed");
  const ResultDocument doc = big_run();
  { History h(url, History::Mode::create); }

  const pid_t writer = ::fork();
  ASSERT_GE(writer, 0);
  if (writer == 0) {
    try {
      History h(url, History::Mode::create);
      for (;;) h.add(doc, "writer");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "writer stopped: %s\n", e.what());
    }
    ::_exit(1);
  }
  // Let it store two runs, then stop the server somewhere inside the third.
  std::size_t stored = 0;
  for (int i = 0; i < 600 && stored < 2; ++i) {
    std::this_thread::sleep_for(100ms);
    stored = History(url, History::Mode::read_only).list().size();
  }
  std::this_thread::sleep_for(30ms);
  testing::pg_cluster("kill", state);
  int status = 0;
  ::waitpid(writer, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << "the writer must have lost its server";
  testing::pg_cluster("restart", state);

  History h(url, History::Mode::read_only);
  EXPECT_GE(h.list().size(), 2u);
  EXPECT_EQ(partial_runs(h, doc), std::vector<std::string>{});
  // Negative control: the oracle sees a run that lost a row.
  testing::pg_exec(url, "DELETE FROM samples WHERE run_id = 1 AND seq = 0");
  EXPECT_EQ(partial_runs(h, doc).size(), 1u);
}

}  // namespace
}  // namespace pokebench::results
