// Reading and writing result documents.
//
// JSON form of schema_version 2 (unknown keys anywhere are ignored on read):
//
//   {"schema_version": 2,                                   required, 1 or 2
//    "scenario": "slub",                                    optional; absent means "slub"
//                                                           (every document before version 2)
//    "context": {"date",                                    required (ISO 8601)
//                "git_sha", "compiler", "flags", "kernel", "cpu_model", "host",
//                "counters": "papi|tsc", "cpus", "vm", "tsc_ghz", ...},
//    "benchmarks": [ Google Benchmark 1.7 rows, every repetition:   required
//        {"name", "run_name", "run_type": "iteration", "repetition_index",
//         "iterations", "real_time", "cpu_time", "time_unit": "ns|us|ms|s",
//         <user counters as flat numeric keys>} ],
//        (required per row: name, real_time, cpu_time, time_unit;
//         "aggregate" rows and rows with error_occurred are skipped)
//    "strategies": [ the `pokebench compare` JSON "strategies" array,   optional
//        each {"name", "is_fix": bool, "correctness": {"enable", "disable"} | null, ...} ],
//    "correctness_matrix": [{"strategy", "direction", "order", "int3",   optional
//        "verdict": "OK|HANG|TORN|ERROR", "trials", "hangs", "torn_reads",
//        "expected_ok": bool}],
//    "insns": [{"benchmark", "insns_per_iter"}]}                         optional
//
// A plain Google Benchmark JSON file (1.7+: "context" and "benchmarks", no
// schema_version) is imported as is: its context maps host_name -> host,
// num_cpus -> cpus, and any custom context keys (AddCustomContext) by name.
#pragma once

#include <pokebench/results/document.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace pokebench::results {

// What one document may hold. Reading streams (document_stream.cpp): memory
// grows with the samples kept, never with the text or a parse tree, and a
// document beyond these limits is refused with an InputError saying which
// limit and how to raise it.
struct ReadLimits {
  std::size_t max_rows = 1'000'000;         // rows of "benchmarks"
  std::size_t max_string_bytes = 1u << 20;  // any one string
  // The defaults, or POKEBENCH_MAX_DOCUMENT_ROWS / POKEBENCH_MAX_STRING_BYTES
  // when set (a value that is not a positive whole number: InputError).
  static ReadLimits from_environment();
};

// Parses either form; throws InputError naming `origin`, the place and the problem.
ResultDocument parse_result_json(const std::string& text, const std::string& origin,
                                 const ReadLimits& limits = ReadLimits::from_environment());
ResultDocument read_result_file(const std::string& path, const ReadLimits& limits = ReadLimits::from_environment());

nlohmann::json to_json(const ResultDocument& doc);
// The context as the document writes it (the known fields and every other key).
nlohmann::json to_json(const Context& context);
// Exactly the text of to_json(doc).dump(), handed to `sink` a piece at a time
// (a row at most), so a huge document is never held as one tree or string.
void dump_compact(const ResultDocument& doc, const std::function<void(std::string_view)>& sink);

// Through support::write_file_atomically (support/output.hpp): a killed or
// failing writer leaves the old file or the new one, never half of one;
// throws support::OutputError.
void write_result_file(const std::string& path, const ResultDocument& doc);

// Normalises a Google Benchmark time to nanoseconds; nullopt for an unknown unit.
std::optional<double> to_nanoseconds(double value, const std::string& unit);

}  // namespace pokebench::results
