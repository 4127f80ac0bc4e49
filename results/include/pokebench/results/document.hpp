// The pokebench result document (schema_version 2): what one nightly run
// measured, in memory. See docs in document_io.hpp for the JSON form.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pokebench::results {

inline constexpr int kSchemaVersion = 2;
inline constexpr int kOldestSchemaVersion = 1;  // read too: no scenario (it was "slub"), no is_fix / expected_ok
inline constexpr const char* kDefaultScenario = "slub";

// Unusable input: the CLI prints it and exits 2. `place` is a JSON pointer
// ("/benchmarks/3/real_time") or "line L, column C" for syntax errors.
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, std::string place, std::string problem);
  const std::string& file() const { return file_; }
  const std::string& place() const { return place_; }
  const std::string& problem() const { return problem_; }

 private:
  std::string file_, place_, problem_;
};

// The machine or a tool is missing (gnuplot, a database we cannot open): exit 2.
class EnvironmentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Context {
  std::string git_sha;  // "" when unknown (plain Google Benchmark import)
  std::string compiler;
  std::string flags;
  std::string kernel;
  std::string cpu_model;
  std::string host;
  std::string date;      // ISO 8601 as written by the producer
  std::string counters;  // "papi" | "tsc" | ""
  std::optional<int> cpus;
  std::optional<bool> vm;
  std::optional<double> tsc_ghz;
  // Every other context key, kept verbatim so nothing the producer said is lost.
  nlohmann::json extra = nlohmann::json::object();
};

// The context's text fields by their key in a document: the one list that
// its reader and its writer walk.
inline constexpr std::pair<const char*, std::string Context::*> kContextText[] = {
    {"date", &Context::date},   {"git_sha", &Context::git_sha},  {"compiler", &Context::compiler},
    {"flags", &Context::flags}, {"kernel", &Context::kernel},    {"cpu_model", &Context::cpu_model},
    {"host", &Context::host},   {"counters", &Context::counters}};

// One repetition of one benchmark (a Google Benchmark "iteration" row).
struct Sample {
  std::string benchmark;  // run_name: the history key, e.g. "loop/ordered/off"
  int repetition = 0;
  std::int64_t iterations = 0;
  double real_time_ns = 0;
  double cpu_time_ns = 0;
  std::map<std::string, double> counters;  // user counters (cycles_per_iter, ...)
};

// Some rows of a document, by address (the document outlives them).
using SampleRows = std::vector<const Sample*>;

// One direction of one strategy in the `pokebench compare` correctness table.
struct DirectionCorrectness {
  std::int64_t trials = 0;
  std::int64_t hangs = 0;
  std::int64_t torn_reads = 0;
  std::int64_t unchecked_reads = 0;
  std::int64_t max_retries = 0;
  // A scenario's own oracle and the lock-order checker (compare schema 6;
  // absent in older documents and in the slub scenario's: 0).
  std::int64_t violations = 0;
  std::int64_t lock_inversions = 0;
};

struct StrategyCorrectness {
  std::string strategy;   // per-site | batched | ordered | cached | cookie
  std::string direction;  // enable | disable
  DirectionCorrectness counts;
  // The producer's word: this strategy claims to fix the bug, so any hang,
  // torn read, violation or lock inversion gates. nullopt: a document written before the field existed.
  std::optional<bool> is_fix;
};

// One cell of the torture matrix: strategy x direction x order x int3 policy.
struct MatrixCell {
  std::string strategy;
  std::string direction;
  std::string order;
  std::string int3;
  // OK | HANG | TORN | FAIL (a scenario's oracle or the lock-order checker
  // fired) | ERROR (the trial could not be judged)
  std::string verdict;
  std::int64_t trials = 0;
  std::int64_t hangs = 0;
  std::int64_t torn_reads = 0;
  std::int64_t violations = 0;       // absent in older documents: 0
  std::int64_t lock_inversions = 0;  // the same
  // The torture run's word: this cell must be OK. nullopt: an older document.
  std::optional<bool> expected_ok;
};

struct InsnsCount {
  std::string benchmark;
  double insns_per_iter = 0;
};

struct ResultDocument {
  int schema_version = kSchemaVersion;
  std::string scenario = kDefaultScenario;  // which reproduced bug the correctness data is about
  Context context;
  std::vector<Sample> samples;
  std::vector<StrategyCorrectness> correctness;
  std::vector<MatrixCell> matrix;
  std::vector<InsnsCount> insns;
  // The `pokebench compare` "strategies" array verbatim (costs included) so
  // the report can draw what compare measured when no benchmark rows exist.
  nlohmann::json compare = nlohmann::json::array();
  std::string origin;  // where it came from: a file name or "history run N"; not serialised
  // Rows skipped on import (errored benchmarks, ...): the CLI prints them as warnings.
  std::vector<std::string> warnings;
};

// The v4.12 strategy: it must keep reproducing its hang, or the harness lost its teeth.
inline constexpr const char* kBugStrategy = "per-site";

// The strategy of the document's scenario that must keep failing: the compare
// row marked known_bug (compare schema 7); for a slub document without one,
// kBugStrategy; "" when the document does not say.
std::string known_bug_of(const ResultDocument& doc);

}  // namespace pokebench::results
