// Reading result documents and Google Benchmark JSON: tolerant of unknown
// fields, strict (file, place, problem) where it matters; atomic writing.
#include <pokebench/results/document_io.hpp>
#include <pokebench/results/history.hpp>

#include "golden_path.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

namespace pokebench::results {
namespace {

using testing::golden;
using testing::slurp;

TEST(Document, ReadsTheGoldenBaselineWithEveryRepetition) {
  const ResultDocument doc = read_result_file(golden("baseline.json"));
  EXPECT_EQ(doc.context.git_sha, "1111111111111111111111111111111111111111");
  EXPECT_EQ(doc.context.host, "golden-host");
  EXPECT_EQ(doc.context.cpus, 2);
  EXPECT_EQ(doc.context.vm, true);
  EXPECT_EQ(doc.context.counters, "tsc");
  EXPECT_EQ(doc.context.extra.at("library_build_type"), "debug");  // unknown key carried along
  EXPECT_EQ(doc.samples.size(), 5u * 10u);
  EXPECT_EQ(doc.samples[3].benchmark, "loop/plain/off");
  EXPECT_EQ(doc.samples[3].repetition, 3);
  EXPECT_TRUE(doc.samples[3].counters.contains("cycles_per_iter"));
  EXPECT_FALSE(doc.samples[3].counters.contains("repetitions"));  // a Google Benchmark key, not a counter
  EXPECT_EQ(doc.correctness.size(), 10u);
  EXPECT_EQ(doc.insns.size(), 4u);
}

TEST(Document, ImportsPlainGoogleBenchmark17Json) {
  const ResultDocument doc = read_result_file(golden("gbench_1_7.json"));
  EXPECT_EQ(doc.samples.size(), 5u * 10u) << "aggregate rows must be skipped";
  EXPECT_EQ(doc.context.host, "golden-host");
  EXPECT_EQ(doc.context.cpus, 2);
  EXPECT_TRUE(doc.context.git_sha.empty());
  bool saw_patch = false;
  for (const Sample& s : doc.samples) {
    if (s.benchmark == "patch/batched/procmem/sites:64") {
      saw_patch = true;
      EXPECT_GT(s.real_time_ns, 15000.0) << "microseconds must be converted to nanoseconds";
      EXPECT_LT(s.real_time_ns, 30000.0);
    }
  }
  EXPECT_TRUE(saw_patch);
}

void expect_input_error(const std::string& file, const std::string& place_part, const std::string& problem_part) {
  try {
    (void)read_result_file(golden(file));
    ADD_FAILURE() << file << " was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(e.file().find(file), std::string::npos) << e.what();
    EXPECT_NE(e.place().find(place_part), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find(problem_part), std::string::npos) << e.what();
  }
}

TEST(Document, RejectsUnknownSchemaVersion) {
  expect_input_error("bad_version.json", "/schema_version", "unsupported schema_version 3");
}

TEST(Document, RejectsMissingRequiredFieldWithItsPointer) {
  expect_input_error("missing_field.json", "/benchmarks/4/real_time", "missing required field");
}

TEST(Document, RejectsMalformedJsonWithLineAndColumn) { expect_input_error("corrupt.json", "line ", "malformed JSON"); }

TEST(Document, ToleratesGoogleBenchmarkNonFiniteLiterals) {
  const ResultDocument doc = parse_result_json(
      R"({"benchmarks": [{"name": "a", "real_time": 1, "cpu_time": 1, "time_unit": "ns", "x": NaN, "y": -inf,
                          "label": "NaN stays a string", "z": 2}]})",
      "t.json");
  ASSERT_EQ(doc.samples.size(), 1u);
  EXPECT_EQ(doc.samples[0].counters.size(), 1u) << "non-finite counters carry no value";
  EXPECT_EQ(doc.samples[0].counters.at("z"), 2.0);
  try {  // positions after a replaced literal still point into the original text
    (void)parse_result_json("{\"a\": NaN, \"b\": Infinity,\n \"c\": [1,, 2]}", "t.json");
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(e.place(), "line 2, column 10") << e.what();
  }
}

TEST(Document, RejectsWrongTypes) {
  EXPECT_THROW(parse_result_json(R"({"schema_version": 1, "context": {"date": "2026-12-01"}, "benchmarks": {}})", "t"),
               InputError);
  try {
    (void)parse_result_json(
        R"({"schema_version": 1, "context": {"date": "2026-12-01"}, "benchmarks": [{"name": "a", "real_time": "1",
            "cpu_time": 1, "time_unit": "ns"}]})",
        "t.json");
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(e.place(), "/benchmarks/0/real_time");
    EXPECT_EQ(e.problem(), "expected a number, found a string");
  }
}

TEST(Document, RejectsUnknownTimeUnitAndForeignJson) {
  EXPECT_THROW(parse_result_json(R"({"benchmarks": [{"name": "a", "real_time": 1, "cpu_time": 1,
                                      "time_unit": "fortnights"}]})",
                                 "t"),
               InputError);
  EXPECT_THROW(parse_result_json(R"({"hello": 1})", "t"), InputError);
  EXPECT_THROW(parse_result_json(R"([1, 2])", "t"), InputError);
}

TEST(Document, PointsCompareOutputToTheBundleCommand) {
  try {
    (void)parse_result_json(R"({"schema_version": 1, "context": {}, "strategies": []})", "compare.json");
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(e.place(), "/benchmarks");
    EXPECT_NE(e.problem().find("results bundle"), std::string::npos);
  }
}

TEST(Document, ReadsCompareStrategiesWithNullsForWhatWasNotRun) {
  const ResultDocument doc = parse_result_json(
      R"({"schema_version": 1, "context": {"date": "2026-12-01", "tsc_ghz": null, "vm": null}, "benchmarks": [],
          "strategies": [{"name": "ordered", "correctness": {"enable": {"trials": 4, "hangs": 0, "torn_reads": 0,
                             "unchecked_reads": 0, "max_retries": 1}, "disable": null},
                          "cost": {"cycles_per_iter": {"off": null}}},
                         {"name": "cookie", "correctness": null}]})",
      "t.json");
  ASSERT_EQ(doc.correctness.size(), 1u);
  EXPECT_EQ(doc.correctness[0].strategy, "ordered");
  EXPECT_EQ(doc.correctness[0].direction, "enable");
  EXPECT_EQ(doc.correctness[0].counts.trials, 4);
  EXPECT_FALSE(doc.context.tsc_ghz.has_value());
  EXPECT_EQ(doc.compare.size(), 2u);
}

// Compare schema 5 adds each row's "scenario_cost" (bench/README.md): read
// as before, kept verbatim with the row, unmeasured figures null.
TEST(Document, KeepsCompareScenarioCostFigures) {
  const ResultDocument doc = parse_result_json(
      R"({"schema_version": 1, "context": {"date": "2026-12-02"}, "benchmarks": [],
          "strategies": [{"name": "wait-in-dead", "is_fix": false,
                          "correctness": {"enable": {"trials": 3, "hangs": 3}, "disable": null},
                          "scenario_cost": [{"name": "cpu_up latency", "unit": "us", "median": 300.5, "min": 200.0,
                                             "max": 400.0, "samples": 21, "why": null},
                                            {"name": "cpu_down latency", "unit": "us", "median": null, "min": null,
                                             "max": null, "samples": 0, "why": "deadlocks"}]}]})",
      "t.json");
  ASSERT_EQ(doc.correctness.size(), 1u);
  EXPECT_EQ(doc.correctness[0].counts.hangs, 3);
  ASSERT_EQ(doc.compare.size(), 1u);
  const auto& cost = doc.compare[0].at("scenario_cost");
  ASSERT_EQ(cost.size(), 2u);
  EXPECT_EQ(cost[0].at("median"), 300.5);
  EXPECT_TRUE(cost[1].at("median").is_null());
  EXPECT_EQ(to_json(doc).at("strategies")[0].at("scenario_cost"), cost);  // the writer keeps it
}

TEST(Document, AggregatesOnlyOutputIsNamedWithTheFlagToChange) {
  const ResultDocument doc = parse_result_json(
      R"({"benchmarks": [{"name": "a_median", "run_name": "a", "run_type": "aggregate", "real_time": 1,
                          "cpu_time": 1, "time_unit": "ns"}]})",
      "agg.json");
  EXPECT_TRUE(doc.samples.empty());
  ASSERT_EQ(doc.warnings.size(), 1u);
  EXPECT_NE(doc.warnings[0].find("--benchmark_display_aggregates_only=true"), std::string::npos);
  EXPECT_TRUE(read_result_file(golden("gbench_1_7.json")).warnings.empty()) << "repetitions present: no warning";
}

TEST(Document, ErroredBenchmarkRowsAreSkippedWithAWarning) {
  const ResultDocument doc = parse_result_json(
      R"({"benchmarks": [{"name": "a", "error_occurred": true, "error_message": "no PMU"},
                         {"name": "b", "real_time": 1, "cpu_time": 1, "time_unit": "ns"}]})",
      "t.json");
  ASSERT_EQ(doc.samples.size(), 1u);
  ASSERT_EQ(doc.warnings.size(), 1u);
  EXPECT_NE(doc.warnings[0].find("no PMU"), std::string::npos);
}

TEST(Document, RoundTripsThroughTheWriter) {
  const ResultDocument doc = read_result_file(golden("report_run.json"));
  const auto dir = std::filesystem::temp_directory_path() / ("pokebench-doc-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "out.json").string();
  write_result_file(path, doc);
  const ResultDocument back = read_result_file(path);
  EXPECT_EQ(to_json(back), to_json(doc));
  EXPECT_EQ(back.matrix.size(), doc.matrix.size());
  EXPECT_EQ(back.samples.size(), doc.samples.size());
  // Nothing but the target is left in the directory: the temp file was renamed.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);
  std::filesystem::remove_all(dir);
}

// The compact text is written a row at a time (content_id hashes it so, a huge
// run is never one string): byte for byte what the whole tree dumps.
TEST(Document, CompactDumpIsTheWholeTreesTextARowAtATime) {
  for (const char* name :
       {"baseline.json", "fix_hang_current.json", "insns_current.json", "report_run.json", "gbench_1_7.json"}) {
    const ResultDocument doc = read_result_file(golden(name));
    std::string text;
    std::size_t pieces = 0, longest = 0;
    dump_compact(doc, [&](std::string_view piece) {
      text += piece;
      ++pieces;
      longest = std::max(longest, piece.size());
    });
    EXPECT_EQ(text, to_json(doc).dump()) << name;
    EXPECT_GT(pieces, doc.samples.size()) << name << ": a piece per row at least";
    EXPECT_LT(longest, text.size() / 2) << name << ": no piece is the whole text";
  }
}

// A run's identity must not change between versions: stored runs are matched
// on it (push stores a run once). The values were computed from the whole
// tree's text, before the dump streamed.
TEST(Document, ContentIdsOfTheGoldenRunsStayTheSame) {
  EXPECT_EQ(content_id(read_result_file(golden("baseline.json"))), "b7f297733de1af0dc685ba66788197ae");
  EXPECT_EQ(content_id(read_result_file(golden("fix_hang_current.json"))), "63ec0202ce2ee777bfed19b827309648");
  EXPECT_EQ(content_id(read_result_file(golden("insns_current.json"))), "50df4fc735363ecd2956bea03cba6358");
  EXPECT_EQ(content_id(read_result_file(golden("report_run.json"))), "8403df59a291843ad8c2af709583995b");
  EXPECT_EQ(content_id(read_result_file(golden("gbench_1_7.json"))), "26db8c55256e5efc3c7ef412f12f406b");
  // Negative control: one repetition's time changed is another run.
  ResultDocument changed = read_result_file(golden("baseline.json"));
  changed.samples.at(0).real_time_ns += 1;
  EXPECT_NE(content_id(changed), "b7f297733de1af0dc685ba66788197ae");
}

}  // namespace
}  // namespace pokebench::results
