// End to end on a PostgreSQL history: the built `pokebench` with
// --history postgresql://... and $POKEBENCH_HISTORY, a runner that cannot
// reach the server, `results push`, and the refusals (exit 2, no password shown).
#include "cli_runner.hpp"
#include "golden_path.hpp"
#include "pg_server.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <stdlib.h>

namespace pokebench::results {
namespace {

using testing::golden;
using testing::Outcome;
namespace fs = std::filesystem;

class CliPostgres : public testing::CliTest {
 protected:
  CliPostgres() : CliTest("clipg") {}
  void SetUp() override {
    CliTest::SetUp();
    if (HasFatalFailure()) return;
    std::string why;
    server_ = testing::pg_server(why);
    if (!server_) {
      if (!why.empty()) GTEST_SKIP() << "no PostgreSQL server: " << why;
      return;
    }
    name_ = "cli_" + std::to_string(::getpid());
    url_ = testing::pg_create_database(*server_, name_);
  }
  void TearDown() override {
    if (server_) testing::pg_drop_database(*server_, name_);
    CliTest::TearDown();
  }
  std::string h() const { return " --history '" + url_ + "'"; }

  std::optional<testing::PgServer> server_;
  std::string name_, url_;
};

TEST_F(CliPostgres, EveryCommandReadsAndWritesTheServer) {
  Outcome r = pokebench("results add" + h() + " " + g("baseline.json") + " " + g("aa_current.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("stored run 2 from"), std::string::npos) << r.out;
  r = pokebench("results list --format json", "POKEBENCH_HISTORY='" + url_ + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"id\": 2"), std::string::npos) << r.out;
  r = pokebench("results show 1" + h());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("run 1 (added"), std::string::npos) << r.out;
  for (int i = 0; i < 5; ++i) ASSERT_EQ(pokebench("results add" + h() + " " + g("baseline.json")).exit_code, 0);
  r = pokebench("regress --baseline history:last=5 --current " + g("aa_current.json"),
                "POKEBENCH_HISTORY='" + url_ + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: OK"), std::string::npos) << r.out;
  r = pokebench("results trend --last 7" + h());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = pokebench("results remove 2" + h());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = pokebench("results remove 2" + h());
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

TEST_F(CliPostgres, AnUnreachableServerKeepsTheRunLocallyAndPushStoresItOnce) {
  const std::string down = "postgresql://pokebench:hunter2@%2Fnonexistent-socket-dir:5432/fleet";
  Outcome r = pokebench("results add --history '" + down + "' --local local/history.db " + g("baseline.json"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("pokebench: warning: cannot reach the history server at "
                       "postgresql://pokebench:***@%2Fnonexistent-socket-dir:5432/fleet"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("kept the run in local/history.db"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << "a password is never shown: " << r.err;
  ASSERT_TRUE(fs::exists(dir_ / "local" / "history.db"));
  ASSERT_EQ(pokebench("results add --history local/history.db " + g("aa_current.json")).exit_code, 0);

  r = pokebench("results push --from local/history.db --to '" + url_ + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("pushed 2 of 2 run(s)"), std::string::npos) << r.out;
  r = pokebench("results push --from local/history.db --to '" + url_ + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pushed 0 of 2 run(s)"), std::string::npos) << r.out;
  EXPECT_EQ(testing::pg_exec(url_, "SELECT count(*) FROM runs"), "2");
}

// Selectors are per host in a shared history, and the report shows hosts side by side.
TEST_F(CliPostgres, SelectorsArePerHostAndTheReportShowsHostsSideBySide) {
  ASSERT_EQ(pokebench("results bundle --benchmarks " + g("baseline.json") + " --context host=other --out other.json")
                .exit_code,
            0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(pokebench("results add" + h() + " " + g("baseline.json")).exit_code, 0);
    ASSERT_EQ(pokebench("results add" + h() + " other.json").exit_code, 0);
  }
  // Runs 1, 3, 5 are golden-host's, 2, 4, 6 other's.
  Outcome r = pokebench("regress --baseline history:last=2 --current other.json" + h());
  EXPECT_NE(r.out.find("runs 4,6"), std::string::npos) << r.out << r.err;
  r = pokebench("regress --baseline history:last=2 --current " + g("baseline.json") + h());
  EXPECT_NE(r.out.find("runs 3,5"), std::string::npos) << r.out << r.err;

  if (std::system("command -v gnuplot >/dev/null") != 0)
    GTEST_SKIP() << "gnuplot missing (apt-get install gnuplot-nox)";
  r = pokebench("report --out r.html --hosts golden-host,other" + h());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = testing::slurp((dir_ / "r.html").string());
  EXPECT_NE(html.find("<h3>golden-host</h3>"), std::string::npos);
  EXPECT_NE(html.find("<h3>other</h3>"), std::string::npos);
  EXPECT_NE(html.find("id='plot-trends-0'"), std::string::npos);
  EXPECT_NE(html.find("id='plot-trends-1'"), std::string::npos);
  r = pokebench("report --out r.html --hosts golden-host,nobody-here" + h());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("holds no run of host 'nobody-here'"), std::string::npos) << r.err;
}

TEST_F(CliPostgres, RefusalsExitTwoNamingTheUrlWithoutItsPassword) {
  const std::string wrong = server_->password_url.substr(0, server_->password_url.find(':', 13) + 1) + "wrong-one" +
                            server_->password_url.substr(server_->password_url.find('@'));
  Outcome r = pokebench("results list --history '" + wrong + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("refused the connection"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("password authentication failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pwuser:***@"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("wrong-one"), std::string::npos) << r.err;
  // Negative control: the right password opens it (an empty history).
  r = pokebench("results add --history '" + server_->password_url + "' " + g("baseline.json"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("right-password"), std::string::npos) << r.err;

  r = pokebench("regress --baseline history:last=5 --current " + g("baseline.json") +
                " --history 'postgresql://u:pw@%2Fnonexistent-socket-dir:5432/db'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("pokebench: error: cannot reach the history server at postgresql://u:***@"), std::string::npos)
      << r.err;

  testing::pg_exec(url_, "CREATE TABLE builds(id INTEGER)");
  r = pokebench("results add" + h() + " " + g("baseline.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not a pokebench history database"), std::string::npos) << r.err;

  r = pokebench("results list" + h());
  EXPECT_EQ(r.exit_code, 2);
  testing::pg_exec(url_, "DROP TABLE builds");
  ASSERT_EQ(pokebench("results add" + h() + " " + g("baseline.json")).exit_code, 0);
  testing::pg_exec(url_, "UPDATE history_meta SET schema_version = 9");
  r = pokebench("report --out r.html" + h());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("has history schema version 9; this pokebench reads version 5"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pokebench::results
