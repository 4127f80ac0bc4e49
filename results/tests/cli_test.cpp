// End to end: the built `pokebench` binary on the golden files, checking exit
// codes (0 / 1 / 2) and the lines users and ci/nightly grep for.
#include "cli_runner.hpp"
#include "golden_path.hpp"

#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace pokebench::results {
namespace {

using testing::golden;
using testing::slurp;
namespace fs = std::filesystem;

using testing::Outcome;

class Cli : public testing::CliTest {
 protected:
  Cli() : CliTest("cli") {}
  // `regress` of a golden current run against the golden baseline.
  Outcome regress_against_baseline(const std::string& current) const {
    return pokebench("regress --baseline " + g("baseline.json") + " --current " + g(current));
  }
  // That `regress` exits with `exit_code` and its output holds each of `lines`.
  void expect_regress(const std::string& current, int exit_code, std::initializer_list<const char*> lines) const {
    const Outcome r = regress_against_baseline(current);
    EXPECT_EQ(r.exit_code, exit_code) << current << "\n" << r.out << r.err;
    for (const char* line : lines) EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
  std::string db() const { return "'" + (dir_ / "hist" / "history.db").string() + "'"; }
};

TEST_F(Cli, RegressAaPairExitsZero) { expect_regress("aa_current.json", 0, {"\nverdict: OK no regression"}); }

TEST_F(Cli, RegressInjectedSlowdownExitsOneNamingIt) {
  expect_regress("slow10_current.json", 1,
                 {"verdict: REGRESSION 1 timing, 0 instruction count, 0 exact counter, 0 correctness: "
                  "loop/ordered/on cycles_per_iter +9.4%",
                  "!! loop/ordered/on"});
}

TEST_F(Cli, RegressInstructionCountChangeExitsOne) {
  expect_regress("insns_current.json", 1, {"loop/ordered/on instructions +14.3%"});
}

TEST_F(Cli, RegressTooFewRepetitionsIsUnreliableExitZero) {
  expect_regress("few_reps_current.json", 0, {"?? loop/ordered/on", "--benchmark_repetitions=9"});
}

TEST_F(Cli, RegressCorrectnessFailuresExitOne) {
  EXPECT_EQ(regress_against_baseline("fix_hang_current.json").exit_code, 1);
  const Outcome lost = regress_against_baseline("bug_lost_current.json");
  EXPECT_EQ(lost.exit_code, 1);
  EXPECT_NE(lost.out.find("lost its teeth"), std::string::npos) << lost.out;
}

TEST_F(Cli, RegressHostileOptionsExitTwo) {
  const std::string files = " --baseline " + g("baseline.json") + " --current " + g("aa_current.json");
  for (const char* bad :
       {"--alpha nan", "--alpha inf", "--min-change nan", "--min-spread nan", "--insns-threshold nan", "--metric ''"}) {
    const Outcome r = pokebench(std::string("regress") + files + " " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << r.out << r.err;
    EXPECT_EQ(r.err.rfind("pokebench: error: ", 0), 0u) << bad << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << bad;
  }
  const Outcome metric = pokebench("regress" + files + " --metric bogus");
  EXPECT_EQ(metric.exit_code, 2);
  EXPECT_NE(metric.err.find("unknown metric (known here: real_time, cpu_time, cycles_per_iter"), std::string::npos)
      << metric.err;
  EXPECT_EQ(pokebench("regress" + files + " --metric cycles_per_iter").exit_code, 0);
}

TEST_F(Cli, RegressUnusableInputExitsTwoNamingFilePlaceProblem) {
  const Outcome corrupt = regress_against_baseline("corrupt.json");
  EXPECT_EQ(corrupt.exit_code, 2);
  EXPECT_EQ(corrupt.err.rfind("pokebench: error: " + golden("corrupt.json") + ": line ", 0), 0u) << corrupt.err;
  EXPECT_NE(corrupt.err.find("malformed JSON"), std::string::npos) << corrupt.err;
  EXPECT_TRUE(corrupt.out.empty()) << "no half verdict on unusable input: " << corrupt.out;

  const Outcome version = pokebench("regress --baseline " + g("bad_version.json") + " --current " + g("baseline.json"));
  EXPECT_EQ(version.exit_code, 2);
  EXPECT_NE(version.err.find("bad_version.json: /schema_version: unsupported schema_version 3"), std::string::npos)
      << version.err;

  const Outcome missing = regress_against_baseline("missing_field.json");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("missing_field.json: /benchmarks/4/real_time: missing required field"), std::string::npos)
      << missing.err;

  EXPECT_EQ(pokebench("regress --baseline nope.json --current " + g("baseline.json")).exit_code, 2);
  EXPECT_EQ(pokebench("regress --baseline " + g("baseline.json") + " --current " + g("baseline.json") + " --alpha 7")
                .exit_code,
            2);
  EXPECT_EQ(pokebench("regress --baseline history:last=x --current " + g("baseline.json")).exit_code, 2);
}

// A document beyond what one may hold (results/README.md, "Limits") is
// refused with exit 2, naming the limit and how to raise it; nothing stored.
TEST_F(Cli, DocumentOverTheRowLimitExitsTwoSayingHowToRaiseIt) {
  const std::string limit = "POKEBENCH_MAX_DOCUMENT_ROWS=3";
  const Outcome gate =
      pokebench("regress --baseline " + g("baseline.json") + " --current " + g("baseline.json"), limit);
  EXPECT_EQ(gate.exit_code, 2) << gate.err;
  EXPECT_NE(gate.err.find("baseline.json: /benchmarks/3: the document holds more than 3 benchmark rows"),
            std::string::npos)
      << gate.err;
  EXPECT_NE(gate.err.find("raise it with POKEBENCH_MAX_DOCUMENT_ROWS=N"), std::string::npos) << gate.err;
  EXPECT_TRUE(gate.out.empty()) << gate.out;
  const Outcome add = pokebench("results add --history " + db() + " " + g("baseline.json"), limit);
  EXPECT_EQ(add.exit_code, 2) << add.err;
  EXPECT_NE(add.err.find("more than 3 benchmark rows"), std::string::npos) << add.err;
  EXPECT_EQ(pokebench("results add --history " + db() + " " + g("baseline.json")).exit_code, 0);
  const Outcome bad = pokebench("regress --baseline " + g("baseline.json") + " --current " + g("baseline.json"),
                                "POKEBENCH_MAX_DOCUMENT_ROWS=lots");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("POKEBENCH_MAX_DOCUMENT_ROWS: environment: 'lots' is not a positive whole number"),
            std::string::npos)
      << bad.err;
}

TEST_F(Cli, RegressFormats) {
  const Outcome json = pokebench("regress --format json --baseline " + g("baseline.json") + " --current " +
                                 g("slow10_current.json") + " --out report.json");
  EXPECT_EQ(json.exit_code, 1);
  const auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed.at("verdict"), "REGRESSION");
  EXPECT_EQ(parsed.at("exit_code"), 1);
  EXPECT_EQ(slurp((dir_ / "report.json").string()), json.out);
  const Outcome md = pokebench("regress --format markdown --baseline " + g("baseline.json") + " --current " +
                               g("slow10_current.json"));
  EXPECT_EQ(md.exit_code, 1);
  EXPECT_NE(md.out.find("| :red_circle: | `loop/ordered/on` |"), std::string::npos) << md.out;
}

TEST_F(Cli, HistoryAddListShowAndSelectors) {
  // A bad file among good ones stores nothing.
  const Outcome bad = pokebench("results add --history " + db() + " " + g("baseline.json") + " " + g("corrupt.json"));
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_FALSE(fs::exists(dir_ / "hist" / "history.db"));

  const Outcome add =
      pokebench("results add " + g("baseline.json") + " " + g("aa_current.json") + " --history " + db());
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_NE(add.out.find("stored run 2 from"), std::string::npos) << add.out;

  const Outcome list = pokebench("results --history " + db() + " list");
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("222222222222"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("fixes ok, v4.12 hangs"), std::string::npos) << list.out;

  const Outcome show = pokebench("results show 2 --format json --history " + db());
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(nlohmann::json::parse(show.out).at("schema_version"), 2) << "show --format json exports a result document";
  EXPECT_EQ(pokebench("results show 1 --history " + db()).exit_code, 0);
  EXPECT_EQ(pokebench("results show 9 --history " + db()).exit_code, 2);

  const Outcome slow =
      pokebench("regress --history " + db() + " --baseline history:last=2 --current " + g("slow10_current.json"));
  EXPECT_EQ(slow.exit_code, 0) << "two stored runs are too few for the run model: " << slow.out << slow.err;
  EXPECT_NE(slow.out.find("history:last=2 (2 runs 1,2"), std::string::npos) << slow.out;
  EXPECT_NE(slow.out.find("until the history holds 5 runs"), std::string::npos) << slow.out;
  EXPECT_NE(slow.out.find("against 2 stored run(s), each run one sample"), std::string::npos) << slow.out;
  EXPECT_EQ(pokebench("regress --history " + db() + " --baseline history:run=1 --current history:run=2").exit_code, 0);
  const Outcome none = pokebench("regress --history " + db() + " --baseline history:last=3,host=other --current " +
                                 g("aa_current.json"));
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("matches no run"), std::string::npos) << none.err;
  const Outcome overlap = pokebench("regress --history " + db() + " --baseline history:last=2 --current history:run=2");
  EXPECT_NE(overlap.err.find("pokebench: warning: history run 2 is on both sides"), std::string::npos) << overlap.err;
  EXPECT_EQ(pokebench("results list --history " + (dir_ / "absent.db").string()).exit_code, 2);
  const Outcome other = pokebench("results list --host other --history " + db());
  EXPECT_EQ(other.exit_code, 0);
  EXPECT_TRUE(other.out.empty()) << "no runs: nothing on stdout, so scripts can test for runs: " << other.out;
  EXPECT_NE(other.err.find("no runs in"), std::string::npos) << other.err;
}

TEST_F(Cli, BundleAssemblesADocument) {
  // A `pokebench compare` JSON shaped like bench/tests/golden/compare.json, cut from the golden baseline.
  const auto baseline = nlohmann::json::parse(slurp(golden("baseline.json")));
  nlohmann::json compare = {{"schema_version", 1},
                            {"context",
                             {{"git_sha", "abcdef0"},
                              {"kernel", "6.1"},
                              {"vm", true},
                              {"cpus", 2},
                              {"hypervisor", "kvm"},
                              {"tsc_ghz", nullptr}}},
                            {"strategies", baseline.at("strategies")}};
  std::ofstream(dir_ / "compare.json") << compare.dump();
  // `pokebench insns --format json` shape.
  std::ofstream(dir_ / "insns.json")
      << R"({"iterations": {"small": 1, "large": 2}, "regions": [{"name": "loop/plain/off",
      "insns_per_iter": 9, "insns_small": 9, "insns_large": 18}]})";
  std::ofstream(dir_ / "matrix.json") << R"({"cells": [{"strategy": "ordered", "direction": "enable", "order": "table",
      "int3": "skip", "verdict": "OK", "trials": 5, "hangs": 0, "torn_reads": 0}]})";
  const Outcome r =
      pokebench("results bundle --benchmarks " + g("gbench_1_7.json") +
                " --compare compare.json --insns insns.json --matrix matrix.json --context host=nightly-1 "
                "--out run.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(slurp((dir_ / "run.json").string()));
  EXPECT_EQ(doc.at("schema_version"), 2);
  EXPECT_EQ(doc.at("context").at("git_sha"), "abcdef0");
  EXPECT_EQ(doc.at("context").at("host"), "nightly-1");
  EXPECT_EQ(doc.at("context").at("hypervisor"), "kvm");
  EXPECT_EQ(doc.at("benchmarks").size(), 50u);
  EXPECT_EQ(doc.at("strategies").size(), 5u);
  EXPECT_EQ(doc.at("correctness_matrix").size(), 1u);
  EXPECT_EQ(doc.at("insns").at(0).at("insns_per_iter"), 9.0);
  EXPECT_EQ(pokebench("regress --baseline run.json --current run.json").exit_code, 0);

  std::ofstream(dir_ / "bad_matrix.json") << R"([{"strategy": "ordered", "verdict": "MAYBE"}])";
  const Outcome bad = pokebench("results bundle --matrix bad_matrix.json --out x.json");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad_matrix.json: /correctness_matrix/0/direction: missing required field"), std::string::npos)
      << bad.err;
  EXPECT_FALSE(fs::exists(dir_ / "x.json"));
}

TEST_F(Cli, ReportWritesHtmlAndNeedsGnuplot) {
  ASSERT_EQ(
      pokebench("results add --history " + db() + " " + g("baseline.json") + " " + g("aa_current.json")).exit_code, 0);
  const Outcome r = pokebench("report --history " + db() + " --result " + g("slow10_current.json") + " --out r.html");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = slurp((dir_ / "r.html").string());
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("this run 2222222"), std::string::npos) << "the unsaved run is the trend's newest point";
  EXPECT_NE(html.find("id='gate-verdict'"), std::string::npos);
  EXPECT_NE(html.find("against the 2 stored run(s) before it"), std::string::npos);

  const Outcome latest = pokebench("report --history " + db() + " --out latest.html");
  EXPECT_EQ(latest.exit_code, 0) << latest.err;

  const Outcome no_gnuplot = pokebench("report --result " + g("baseline.json") + " --out n.html", "PATH=/nonexistent");
  EXPECT_EQ(no_gnuplot.exit_code, 2);
  EXPECT_NE(no_gnuplot.err.find("apt-get install gnuplot-nox"), std::string::npos) << no_gnuplot.err;
  EXPECT_FALSE(fs::exists(dir_ / "n.html"));

  EXPECT_EQ(pokebench("report --out n.html --history " + (dir_ / "absent.db").string()).exit_code, 2);
}

TEST_F(Cli, HelpDocumentsSelectorsAndDefaults) {
  const Outcome regress = pokebench("regress --help");
  EXPECT_EQ(regress.exit_code, 0);
  EXPECT_NE(regress.out.find("history:last=N[,skip=K][,host=H]"), std::string::npos) << regress.out;
  const Outcome results = pokebench("results --help");
  EXPECT_EQ(results.exit_code, 0);
  EXPECT_NE(results.out.find("results/history.db"), std::string::npos) << results.out;
  EXPECT_EQ(pokebench("report --help").exit_code, 0);
  EXPECT_EQ(pokebench("results add --help").exit_code, 0);
}

}  // namespace
// A benchmark name that carries a gnuplot command after a newline: refused
// at input (nothing stored), and a history that already holds one (stored by
// an older pokebench) draws its report without running it.
TEST_F(Cli, ControlCharactersInNamesAreRefusedAndNeverReachGnuplot) {
  nlohmann::json doc = nlohmann::json::parse(slurp(golden("baseline.json")));
  const std::string evil = "loop/a\nsystem \"touch " + (dir_ / "PWNED").string() + "\"\nb/on";
  for (auto& row : doc["benchmarks"])
    if (row["name"] == "loop/plain/off") row["name"] = row["run_name"] = evil;
  std::ofstream(dir_ / "evil.json") << doc.dump();

  const Outcome add = pokebench("results add --history " + db() + " evil.json");
  EXPECT_EQ(add.exit_code, 2) << add.err;
  EXPECT_NE(add.err.find("contains a control character (U+000A)"), std::string::npos) << add.err;
  EXPECT_NE(add.err.find("evil.json"), std::string::npos) << add.err;
  EXPECT_FALSE(fs::exists(dir_ / "hist" / "history.db")) << "a refused file must store nothing";

  // As an older pokebench stored it: straight into the database.
  ASSERT_EQ(
      pokebench("results add --history " + db() + " " + g("baseline.json") + " " + g("aa_current.json")).exit_code, 0);
  {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "hist" / "history.db").string().c_str(), &h), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(h, "UPDATE samples SET benchmark = ?1 WHERE benchmark = 'loop/plain/off'", -1, &st, nullptr),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, evil.c_str(), -1, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    EXPECT_GT(sqlite3_changes(h), 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
  }
  const Outcome report = pokebench("report --history " + db() + " --trend '^loop/a' --out r.html");
  EXPECT_FALSE(fs::exists(dir_ / "PWNED")) << "a stored name ran as a gnuplot command; report said: " << report.err;
  // Negative control: the name did reach gnuplot's trend plot (as a title, not as a command).
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(slurp((dir_ / "r.html").string()).find("loop/a?system"), std::string::npos);
}

TEST_F(Cli, ResultsRemoveDeletesWholeRunsAndRefusesUnknownIds) {
  ASSERT_EQ(
      pokebench("results add --history " + db() + " " + g("baseline.json") + " " + g("aa_current.json")).exit_code, 0);
  const Outcome unknown = pokebench("results remove 1 7 --history " + db());
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  EXPECT_NE(unknown.err.find("run 7"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("nothing was removed"), std::string::npos) << unknown.err;
  EXPECT_EQ(nlohmann::json::parse(pokebench("results list --format json --history " + db()).out).size(), 2u);

  const Outcome removed = pokebench("results remove 1 --history " + db());
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  const auto runs = nlohmann::json::parse(pokebench("results list --format json --history " + db()).out);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["id"], 2);
  EXPECT_EQ(pokebench("results show 1 --history " + db()).exit_code, 2);
  EXPECT_EQ(pokebench("results remove 1 --history " + (dir_ / "absent.db").string()).exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "absent.db"));
}

TEST_F(Cli, BundleContextValuesAreCheckedNotCoerced) {
  for (const char* bad :
       {"cpus=-1", "cpus=1e30", "cpus=3.7", "cpus=0", "tsc_ghz=nan", "tsc_ghz=-2", "date=notadate", "host="}) {
    const Outcome r = pokebench(std::string("results bundle --benchmarks ") + g("baseline.json") + " --context " + bad +
                                " --out b.json");
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    const std::string key = std::string(bad).substr(0, std::string(bad).find('='));
    EXPECT_NE(r.err.find(key), std::string::npos) << bad << ": " << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "b.json")) << bad;
  }
  // Negative control: good values are stored as given.
  const Outcome ok = pokebench("results bundle --benchmarks " + g("baseline.json") +
                               " --context cpus=4 --context tsc_ghz=2.5 --context date=2026-12-01T02:00:00+00:00 "
                               "--context host=runner-1 --out b.json");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const auto doc = nlohmann::json::parse(slurp((dir_ / "b.json").string()));
  EXPECT_EQ(doc["context"]["cpus"], 4);
  EXPECT_EQ(doc["context"]["host"], "runner-1");
  EXPECT_EQ(doc["context"]["date"], "2026-12-01T02:00:00+00:00");
}

TEST_F(Cli, UnreadableInputsSayWhichFileAndWhy) {
  std::ofstream(dir_ / "huge.json")
      << R"({"schema_version": 2, "context": {"date": ""}, "benchmarks": [], "x": 1e999})";
  const Outcome huge = pokebench("regress --baseline huge.json --current " + g("aa_current.json"));
  EXPECT_EQ(huge.exit_code, 2) << huge.err;
  EXPECT_NE(huge.err.find("huge.json"), std::string::npos) << huge.err;
  EXPECT_EQ(huge.err.find("json.exception"), std::string::npos) << huge.err;
  fs::create_directories(dir_ / "adir");
  const Outcome dir = pokebench("regress --baseline adir --current " + g("aa_current.json"));
  EXPECT_EQ(dir.exit_code, 2) << dir.err;
  EXPECT_NE(dir.err.find("is a directory"), std::string::npos) << dir.err;
  const Outcome metric = pokebench("report --result " + g("baseline.json") + " --metric bogus --out r.html");
  EXPECT_EQ(metric.exit_code, 2) << metric.err;
  EXPECT_NE(metric.err.find("unknown metric"), std::string::npos) << metric.err;
  EXPECT_FALSE(fs::exists(dir_ / "r.html"));
}

}  // namespace pokebench::results
