// The JSON shape of `pokebench compare` is a contract (schema 6, compare.hpp):
// a canned report must serialise byte for byte as golden/compare.json.
// Regenerate deliberately with POKEBENCH_UPDATE_GOLDEN=1 after a reviewed
// schema change (and bump kCompareSchemaVersion if a key moves or goes).
#include <pokebench/bench/compare.hpp>
#include <pokebench/support/input.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pb = pokebench::bench;

namespace {

pb::CompareReport canned() {
  pb::CompareReport r;
  r.scenario = "slub";
  r.context = {"0123456789abcdef0123456789abcdef01234567",
               "GCC 12.2.0",
               "Release: -O3 -DNDEBUG",
               "Linux 6.1.0",
               "AMD EPYC",
               2,
               true,
               "KVMKVMKVM",
               "tsc",
               2.596,
               3.5,
               "2026-11-21T20:00:00Z"};
  const char* names[] = {"per-site", "batched", "ordered", "cached", "cookie"};
  for (int i = 0; i < 5; ++i) {
    pb::StrategyRow s;
    s.name = names[i];
    s.is_fix = i != 0;  // per-site is the bug
    s.known_bug = i == 0;
    s.enable = pb::DirectionCorrectness{.trials = 100u + static_cast<unsigned>(i),
                                        .hangs = i == 0 ? 7u : 0u,
                                        .unchecked_reads = 3,
                                        .max_retries = i == 0 ? 1000u : 1u};
    s.disable = pb::DirectionCorrectness{.trials = 90, .hangs = i == 0 ? 2u : 0u, .max_retries = 1};
    s.cost.cycles_off = 1.25 + i;
    s.cost.cycles_on = 4.5;
    s.cost.cycles_flipping = 12.0;
    s.cost.insns_off = 8;
    s.cost.insns_on = 15;
    s.cost.flip_us_median = i == 1 ? 1200.0 : 20000.0;
    s.cost.syncs_per_flip = i == 1 ? 3.0 : 192.0;
    s.cost.cycles_writer = 250.0;
    s.cost.retries_writer = 0.125;
    // per-site refuted, cookie proved, ordered OK where the stress counts disagree, the rest unexplored.
    if (i == 0) s.model = pb::ModelVerdict{"HANG", 2, 2, 96, 24, 5000, 0.5, true};
    if (i == 2) s.model = pb::ModelVerdict{"OK", 2, 2, 96, 0, 9000, 0.75, false};
    if (i == 4) s.model = pb::ModelVerdict{"OK", 2, 2, 96, 0, 8000, 0.25, true};
    r.strategies.push_back(s);
  }
  pb::StrategyRow plain;
  plain.name = "plain";
  plain.cost.cycles_off = 1.0;
  plain.cost.insns_off = 5;
  r.baselines.push_back(plain);  // unmeasured values must be null, not absent
  r.notes.push_back("canned");
  return r;
}

}  // namespace

TEST(CompareGolden, JsonShapeIsPinned) {
  const std::string path = std::string(POKEBENCH_GOLDEN_DIR) + "/compare.json";
  const std::string actual = pb::to_json(canned()).dump(2) + "\n";
  if (const char* u = std::getenv("POKEBENCH_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(path) << actual;
    GTEST_SKIP() << "golden file rewritten: " << path;
  }
  const std::string expected = pokebench::support::read_file(path);
  ASSERT_FALSE(expected.empty()) << "missing golden file " << path;
  EXPECT_EQ(actual, expected) << "compare's JSON changed; if deliberate, rerun with POKEBENCH_UPDATE_GOLDEN=1";
}

TEST(CompareGolden, IssueKeysArePresent) {
  const auto j = pb::to_json(canned());
  EXPECT_EQ(j.at("schema_version"), 7);
  EXPECT_EQ(j.at("scenario"), "slub");
  for (const char* k :
       {"git_sha", "compiler", "flags", "kernel", "cpu_model", "cpus", "vm", "counters", "tsc_ghz", "date"})
    EXPECT_TRUE(j.at("context").contains(k)) << k;
  ASSERT_EQ(j.at("strategies").size(), 5u);
  const auto& s = j.at("strategies").at(0);
  EXPECT_EQ(s.at("name"), "per-site");
  EXPECT_EQ(s.at("is_fix"), false);
  EXPECT_EQ(s.at("known_bug"), true);
  EXPECT_EQ(j.at("strategies").at(2).at("is_fix"), true);
  EXPECT_EQ(j.at("strategies").at(2).at("known_bug"), false);
  for (const char* dir : {"enable", "disable"})
    for (const char* k :
         {"trials", "hangs", "torn_reads", "violations", "lock_inversions", "unchecked_reads", "max_retries"})
      EXPECT_TRUE(s.at("correctness").at(dir).contains(k)) << dir << "." << k;
  const auto& cost = s.at("cost");
  for (const char* k : {"off", "on", "flipping"}) EXPECT_TRUE(cost.at("cycles_per_iter").contains(k)) << k;
  for (const char* k : {"off", "on"}) EXPECT_TRUE(cost.at("insns_per_iter").contains(k)) << k;
  EXPECT_EQ(cost.at("flip_us").at("sites"), 64);
  EXPECT_TRUE(cost.at("flip_us").contains("median"));
  EXPECT_TRUE(cost.contains("syncs_per_flip"));
  EXPECT_EQ(cost.at("with_writer").at("period_us"), 10.0);
  EXPECT_EQ(cost.at("with_writer").at("cycles_per_read"), 250.0);
  EXPECT_EQ(cost.at("with_writer").at("retries_per_read"), 0.125);
  EXPECT_TRUE(j.at("baselines").at(0).at("cost").at("cycles_per_iter").at("on").is_null());
  EXPECT_EQ(s.at("model").at("verdict"), "HANG");
  EXPECT_EQ(s.at("model").at("proved"), false);
  EXPECT_EQ(j.at("strategies").at(4).at("model").at("proved"), true);
  EXPECT_EQ(j.at("strategies").at(2).at("model").at("proved"), false);  // OK, but the stress counts disagree
  EXPECT_TRUE(j.at("strategies").at(1).at("model").is_null());
  EXPECT_TRUE(s.at("scenario_cost").is_array());  // slub: its costs are the columns above
  EXPECT_TRUE(s.at("scenario_cost").empty());
}

// A hotplug scenario's report: its own cost figures per strategy, in JSON
// (null for what was not measured, with the reason), text and Markdown.
TEST(CompareGolden, ScenarioCostFiguresAreInEveryRendering) {
  pb::CompareReport r = canned();
  r.scenario = "cpu-notifier";
  r.baselines.clear();
  r.strategies.resize(2);
  r.strategies[0].name = "maps-locked";
  r.strategies[0].scenario_cost = {{"cpu_up latency", "us", 120.5, 110.25, 180.0, 21, ""},
                                   {"cpu_down latency", "us", 95.0, 90.0, 99.5, 21, ""}};
  r.strategies[1].name = "wait-in-dead";
  r.strategies[1].scenario_cost = {{"cpu_up latency", "us", 121.0, 111.0, 150.0, 21, ""},
                                   {"cpu_down latency", "us", {}, {}, {}, 0, "deadlocks"}};
  const auto j = pb::to_json(r);
  const auto& up = j.at("strategies").at(0).at("scenario_cost").at(0);
  EXPECT_EQ(up.at("name"), "cpu_up latency");
  EXPECT_EQ(up.at("unit"), "us");
  EXPECT_EQ(up.at("median"), 120.5);
  EXPECT_EQ(up.at("min"), 110.25);
  EXPECT_EQ(up.at("max"), 180.0);
  EXPECT_EQ(up.at("samples"), 21);
  EXPECT_TRUE(up.at("why").is_null());
  const auto& down = j.at("strategies").at(1).at("scenario_cost").at(1);
  EXPECT_TRUE(down.at("median").is_null());
  EXPECT_EQ(down.at("why"), "deadlocks");
  const std::string text = pb::render_text(r), md = pb::render_markdown(r);
  EXPECT_NE(text.find("scenario cost (median [min-max]):"), std::string::npos) << text;
  EXPECT_NE(text.find("cpu_up latency us"), std::string::npos) << text;
  EXPECT_NE(text.find("120.5 [110.2-180.0]"), std::string::npos) << text;
  EXPECT_NE(text.find("not measured"), std::string::npos) << text;
  EXPECT_NE(md.find("| strategy | cpu_up latency us | cpu_down latency us |"), std::string::npos) << md;
  EXPECT_NE(md.find("| wait-in-dead | 121.0 [111.0-150.0] | not measured |"), std::string::npos) << md;
  // slub's report has no figures: no scenario-cost table.
  EXPECT_EQ(pb::render_text(canned()).find("scenario cost"), std::string::npos);
}

TEST(CompareGolden, TextAndMarkdownHaveOneRowPerStrategy) {
  const auto r = canned();
  const std::string text = pb::render_text(r), md = pb::render_markdown(r);
  for (const char* n : {"per-site", "batched", "ordered", "cached", "cookie", "plain"}) {
    EXPECT_NE(text.find(n), std::string::npos) << n;
    EXPECT_NE(md.find(n), std::string::npos) << n;
  }
  EXPECT_NE(text.find("7/100"), std::string::npos) << text;  // per-site: hangs/trials enable
  EXPECT_NE(md.find("| strategy | hangs/trials enable |"), std::string::npos) << md;
  // "proved" only where the model's OK and the stress counts agree.
  EXPECT_NE(text.find("proved up to 2 readers, 2 site pairs"), std::string::npos) << text;
  EXPECT_NE(text.find("HANG in 24/96"), std::string::npos) << text;
  EXPECT_NE(text.find("OK (stress disagrees)"), std::string::npos) << text;
  std::size_t proved = 0;
  for (std::size_t at = text.find("proved up to"); at != std::string::npos; at = text.find("proved up to", at + 1))
    ++proved;
  EXPECT_EQ(proved, 1u) << text;
}

TEST(CompareGolden, TheModelAgreesOnlyWithWhatTheStressCountsSay) {
  pb::StrategyRow row;
  EXPECT_FALSE(pb::stress_agrees("OK", row));  // no stress counts: nothing checked
  row.enable = pb::DirectionCorrectness{.trials = 10, .max_retries = 1};
  row.disable = pb::DirectionCorrectness{.trials = 10, .max_retries = 1};
  EXPECT_TRUE(pb::stress_agrees("OK", row));
  EXPECT_FALSE(pb::stress_agrees("HANG", row));
  EXPECT_FALSE(pb::stress_agrees("INCOMPLETE", row));
  row.disable->hangs = 1;
  EXPECT_FALSE(pb::stress_agrees("OK", row));
  EXPECT_TRUE(pb::stress_agrees("HANG", row));
  EXPECT_FALSE(pb::stress_agrees("UNSAFE", row));
  row.enable->torn_reads = 2;
  EXPECT_TRUE(pb::stress_agrees("UNSAFE", row));
}

TEST(CompareGolden, AnOracleFailureIsNotOk) {
  // A scenario's own oracle or the lock-order checker firing is a failure
  // the OK verdict cannot agree with, in either direction.
  for (auto field : {&pb::DirectionCorrectness::violations, &pb::DirectionCorrectness::lock_inversions}) {
    pb::StrategyRow row;
    row.enable = pb::DirectionCorrectness{.trials = 10};
    row.disable = pb::DirectionCorrectness{.trials = 10};
    ASSERT_TRUE(pb::stress_agrees("OK", row));
    (*row.disable).*field = 1;
    EXPECT_FALSE(pb::stress_agrees("OK", row));
  }
}

TEST(CompareGolden, TheTableCountsViolationsAndLockInversions) {
  pb::CompareReport r = canned();
  r.strategies[0].enable->violations = 4;
  r.strategies[0].disable->violations = 5;
  r.strategies[0].disable->lock_inversions = 2;
  const std::string text = pb::render_text(r);
  EXPECT_NE(text.find("violations"), std::string::npos) << text;
  EXPECT_NE(text.find("lock inversions"), std::string::npos) << text;
  const std::string md = pb::render_markdown(r);
  // per-site's row: torn reads 0, violations 9 (both directions), lock inversions 2.
  EXPECT_NE(md.find("| per-site | 7/100 | 2/90 | 0 | 9 | 2 |"), std::string::npos) << md;
  const auto j = pb::to_json(r);
  EXPECT_EQ(j.at("strategies").at(0).at("correctness").at("disable").at("violations"), 5);
  EXPECT_EQ(j.at("strategies").at(0).at("correctness").at("disable").at("lock_inversions"), 2);
}

TEST(CompareGolden, AnotherScenarioShowsNoneOfSlubsBenchmarkColumns) {
  // Its cost is its own table; slub's loop/patch/insns/model columns would be all "-".
  pb::CompareReport r = canned();
  r.scenario = "cpu-notifier";
  r.baselines.clear();
  for (auto& s : r.strategies) s.model.reset();
  const std::string text = pb::render_text(r);
  EXPECT_NE(text.find("lock inversions"), std::string::npos) << text;
  EXPECT_NE(text.find("max retries"), std::string::npos) << text;
  EXPECT_EQ(text.find("cycles/iter"), std::string::npos) << text;
  EXPECT_EQ(text.find("model (explore)"), std::string::npos) << text;
  const std::string md = pb::render_markdown(r);
  EXPECT_EQ(md.find("flip us"), std::string::npos) << md;
  EXPECT_NE(md.find("| per-site | 7/100 | 2/90 | 0 | 0 | 0 | 1000 |"), std::string::npos) << md;
}
