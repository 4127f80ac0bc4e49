// The fields of a result document's parts (document_io.hpp lists them),
// and the import of plain Google Benchmark JSON; the parse that feeds them
// is document_stream.cpp's.
#include "document_json_internal.hpp"

#include <pokebench/results/document_io.hpp>

#include <fmt/core.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace pokebench::results {

using nlohmann::json;

InputError::InputError(std::string file, std::string place, std::string problem)
    : std::runtime_error(fmt::format("{}: {}: {}", file, place, problem)),
      file_(std::move(file)),
      place_(std::move(place)),
      problem_(std::move(problem)) {}

std::optional<double> to_nanoseconds(double value, const std::string& unit) {
  if (unit == "ns") return value;
  if (unit == "us") return value * 1e3;
  if (unit == "ms") return value * 1e6;
  if (unit == "s") return value * 1e9;
  return std::nullopt;
}

std::string known_bug_of(const ResultDocument& doc) {
  if (doc.compare.is_array())
    for (const json& row : doc.compare)
      if (row.is_object() && row.contains("known_bug") && row["known_bug"] == true && row.contains("name") &&
          row["name"].is_string())
        return row["name"].get<std::string>();
  return doc.scenario == kDefaultScenario ? kBugStrategy : "";
}

}  // namespace pokebench::results

namespace pokebench::results::detail {
namespace {

// Keys Google Benchmark writes itself; every other numeric key of a row is a user counter.
const std::set<std::string>& gbench_row_keys() {
  static const std::set<std::string> keys{"name",
                                          "family_index",
                                          "per_family_instance_index",
                                          "run_name",
                                          "run_type",
                                          "repetitions",
                                          "repetition_index",
                                          "threads",
                                          "iterations",
                                          "real_time",
                                          "cpu_time",
                                          "time_unit",
                                          "aggregate_name",
                                          "aggregate_unit",
                                          "error_occurred",
                                          "error_message",
                                          "label"};
  return keys;
}

}  // namespace

void SampleReader::add(const json& row, std::size_t i) {
  const Reader& r = reader_;
  ResultDocument& doc = doc_;
  {
    const std::string at = fmt::format("/benchmarks/{}", i);
    r.expect(row, row.is_object(), at, "an object");
    const std::string name = r.req_string(row, at, "name");
    std::string run_type = "iteration";
    r.opt_string(row, at, "run_type", run_type);
    if (run_type == "aggregate") {  // mean/median/stddev: the U test needs the raw repetitions
      std::string run_name = name;
      r.opt_string(row, at, "run_name", run_name);
      aggregated_.insert(run_name);
      return;
    }
    if (const json* err = r.find(row, "error_occurred"); err && err->is_boolean() && err->get<bool>()) {
      std::string message;
      r.opt_string(row, at, "error_message", message);
      doc.warnings.push_back(
          fmt::format("{}: {}: benchmark '{}' reported an error ({}); row skipped", doc.origin, at, name, message));
      return;
    }
    Sample s;
    s.benchmark = name;
    r.opt_string(row, at, "run_name", s.benchmark);
    const std::string unit = r.req_string(row, at, "time_unit");
    const double real = r.req_number(row, at, "real_time");
    const double cpu = r.req_number(row, at, "cpu_time");
    auto real_ns = to_nanoseconds(real, unit);
    auto cpu_ns = to_nanoseconds(cpu, unit);
    if (!real_ns || !cpu_ns) r.fail(at + "/time_unit", fmt::format("unknown time unit '{}' (ns, us, ms or s)", unit));
    s.real_time_ns = *real_ns;
    s.cpu_time_ns = *cpu_ns;
    r.opt_int(row, at, "iterations", s.iterations);
    std::int64_t rep = seen_[s.benchmark];
    r.opt_int(row, at, "repetition_index", rep);
    s.repetition = static_cast<int>(rep);
    seen_[s.benchmark] = s.repetition + 1;
    for (const auto& [key, value] : row.items()) {
      if (value.is_number() && !gbench_row_keys().contains(key)) s.counters[key] = value.get<double>();
    }
    doc.samples.push_back(std::move(s));
  }
}

void SampleReader::finish() {
  ResultDocument& doc = doc_;
  std::size_t aggregates_only = 0;
  for (const std::string& name : aggregated_) aggregates_only += !seen_.contains(name);
  if (aggregates_only > 0)
    doc.warnings.push_back(fmt::format(
        "{}: {} benchmark(s) have aggregate rows only, no repetitions to compare; run Google Benchmark with "
        "--benchmark_display_aggregates_only=true instead of --benchmark_report_aggregates_only=true",
        doc.origin, aggregates_only));
}

namespace {

void read_context(const Reader& r, const json& ctx, const std::string& ptr, Context& c, bool gbench) {
  r.expect(ctx, ctx.is_object(), ptr, "an object");
  if (!gbench) r.require(ctx, ptr, "date");
  for (const auto& [key, field] : kContextText) r.opt_string(ctx, ptr, key, c.*field);
  // ISO 8601 as `date -Iseconds` and Google Benchmark write it; "" is a bundle's
  // placeholder for "now".
  static const std::regex iso(R"(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)");
  if (!c.date.empty() && !std::regex_match(c.date, iso))
    r.fail(ptr + "/date", fmt::format("'{}' is not an ISO 8601 date (e.g. 2026-12-01T02:00:00+00:00)", c.date));
  if (c.host.empty()) r.opt_string(ctx, ptr, "host_name", c.host);  // Google Benchmark's name for it
  std::int64_t cpus = -1;
  r.opt_int(ctx, ptr, "cpus", cpus);
  if (cpus < 0) r.opt_int(ctx, ptr, "num_cpus", cpus);
  if (cpus == 0 || cpus > 1'000'000)
    r.fail(ptr + "/cpus", fmt::format("{} is not a number of CPUs (1 to 1000000)", cpus));
  if (cpus > 0) c.cpus = static_cast<int>(cpus);
  if (const json* v = r.find(ctx, "vm"); v && !v->is_null()) {
    // AddCustomContext can only write strings, so "true"/"false" are accepted too.
    if (v->is_boolean())
      c.vm = v->get<bool>();
    else if (v->is_string() && (*v == "true" || *v == "false"))
      c.vm = *v == "true";
    else
      r.fail(ptr + "/vm", fmt::format("expected a boolean, found {}", type_name(*v)));
  }
  if (const json* v = r.find(ctx, "tsc_ghz"); v && !v->is_null()) {
    if (v->is_string()) {
      const std::string text = v->get<std::string>();
      char* end = nullptr;
      const double ghz = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0') r.fail(ptr + "/tsc_ghz", fmt::format("'{}' is not a number", text));
      c.tsc_ghz = ghz;
    } else {
      c.tsc_ghz = r.number_at(*v, ptr + "/tsc_ghz");
    }
    if (!std::isfinite(*c.tsc_ghz) || *c.tsc_ghz <= 0 || *c.tsc_ghz > 100)
      r.fail(ptr + "/tsc_ghz", fmt::format("{} is not a clock rate in GHz (above 0, at most 100)", *c.tsc_ghz));
  }
  // host_name and num_cpus are Google Benchmark's names for host and cpus: not kept twice.
  static const std::set<std::string> known = [] {
    std::set<std::string> keys{"cpus", "vm", "tsc_ghz", "host_name", "num_cpus"};
    for (const auto& [key, field] : kContextText) keys.insert(key);
    return keys;
  }();
  for (const auto& [key, value] : ctx.items()) {
    if (!known.contains(key)) c.extra[key] = value;
  }
}

void read_strategies(const Reader& r, const json& strategies, const std::string& ptr, ResultDocument& doc) {
  doc.compare = strategies;
  r.for_each_object(strategies, ptr, [&](const json& s, const std::string& at) {
    const std::string name = r.req_string(s, at, "name");
    std::optional<bool> is_fix, known_bug;  // known_bug: read again by known_bug_of() (doc.compare)
    r.opt_bool(s, at, "is_fix", is_fix);
    r.opt_bool(s, at, "known_bug", known_bug);
    const json* corr = r.find(s, "correctness");
    if ((!corr || corr->is_null()) && is_fix.value_or(false)) {
      // A fix without correctness data has not been shown to hold: the gate says so.
      doc.correctness.push_back({name, "none", {}, is_fix});
      return;
    }
    if (!corr || corr->is_null()) return;
    r.expect(*corr, corr->is_object(), at + "/correctness", "an object");
    for (const char* direction : {"enable", "disable"}) {
      const json* d = r.find(*corr, direction);
      if (!d || d->is_null()) continue;  // compare writes null for a direction it did not run
      const std::string dat = fmt::format("{}/correctness/{}", at, direction);
      r.expect(*d, d->is_object(), dat, "an object");
      StrategyCorrectness sc{name, direction, {}, is_fix};
      sc.counts.trials = r.req_integer(*d, dat, "trials");
      sc.counts.hangs = r.req_integer(*d, dat, "hangs");
      r.opt_int(*d, dat, "torn_reads", sc.counts.torn_reads);
      r.opt_int(*d, dat, "unchecked_reads", sc.counts.unchecked_reads);
      r.opt_int(*d, dat, "max_retries", sc.counts.max_retries);
      r.opt_int(*d, dat, "violations", sc.counts.violations);
      r.opt_int(*d, dat, "lock_inversions", sc.counts.lock_inversions);
      doc.correctness.push_back(sc);
    }
  });
}

void read_matrix(const Reader& r, const json& matrix, const std::string& ptr, ResultDocument& doc) {
  r.for_each_object(matrix, ptr, [&](const json& m, const std::string& at) {
    MatrixCell c;
    c.strategy = r.req_string(m, at, "strategy");
    c.direction = r.req_string(m, at, "direction");
    c.order = r.req_string(m, at, "order");
    c.int3 = r.req_string(m, at, "int3");
    c.verdict = r.req_string(m, at, "verdict");
    if (c.verdict != "OK" && c.verdict != "HANG" && c.verdict != "TORN" && c.verdict != "FAIL" && c.verdict != "ERROR")
      r.fail(at + "/verdict", fmt::format("unknown verdict '{}' (OK, HANG, TORN, FAIL or ERROR)", c.verdict));
    r.opt_int(m, at, "trials", c.trials);
    r.opt_int(m, at, "hangs", c.hangs);
    r.opt_int(m, at, "torn_reads", c.torn_reads);
    r.opt_int(m, at, "violations", c.violations);
    r.opt_int(m, at, "lock_inversions", c.lock_inversions);
    r.opt_bool(m, at, "expected_ok", c.expected_ok);
    doc.matrix.push_back(std::move(c));
  });
}

void read_insns(const Reader& r, const json& insns, const std::string& ptr, ResultDocument& doc) {
  r.for_each_object(insns, ptr, [&](const json& e, const std::string& at) {
    InsnsCount c;
    c.benchmark = r.req_string(e, at, "benchmark");
    c.insns_per_iter = r.req_number(e, at, "insns_per_iter");
    doc.insns.push_back(std::move(c));
  });
}

}  // namespace

void read_document_parts(const Reader& r, const json& root, bool has_benchmarks, ResultDocument& doc) {
  if (const json* version = r.find(root, "schema_version")) {
    const std::int64_t v = r.integer_at(*version, "/schema_version");
    if (v < kOldestSchemaVersion || v > kSchemaVersion)
      r.fail("/schema_version", fmt::format("unsupported schema_version {} (this pokebench reads {} to {})", v,
                                            kOldestSchemaVersion, kSchemaVersion));
    doc.schema_version = static_cast<int>(v);
    r.opt_string(root, "", "scenario", doc.scenario);
    if (doc.scenario.empty()) r.fail("/scenario", "empty scenario name");
    if (!has_benchmarks && r.find(root, "strategies"))
      r.fail("/benchmarks",
             "missing required field (this looks like `pokebench compare` output: wrap it "
             "with `pokebench results bundle --compare FILE --out DOC`)");
    read_context(r, r.require(root, "", "context"), "/context", doc.context, false);
    if (!has_benchmarks) r.fail("/benchmarks", "missing required field");
    if (const json* s = r.find(root, "strategies")) read_strategies(r, *s, "/strategies", doc);
    if (const json* m = r.find(root, "correctness_matrix")) read_matrix(r, *m, "/correctness_matrix", doc);
    if (const json* i = r.find(root, "insns")) read_insns(r, *i, "/insns", doc);
    return;
  }
  if (!has_benchmarks)
    r.fail("/",
           "neither a pokebench result document (no schema_version) nor Google Benchmark JSON "
           "(no benchmarks array)");
  r.opt_string(root, "", "scenario", doc.scenario);
  if (const json* ctx = r.find(root, "context")) read_context(r, *ctx, "/context", doc.context, true);
}

}  // namespace pokebench::results::detail
