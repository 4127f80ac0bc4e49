// `pokebench compare`: which strategy, at what cost. One row per strategy
// (per-site, batched, ordered, cached, cookie) joining
//   correctness  the harness's stress matrix (all orders, both int3
//                policies, both directions, bounded): hangs/trials per
//                direction, torn reads, the scenario's own oracle
//                (violations) and the lock-order checker (lock inversions),
//                unchecked reads, max retries
//   cost         loop/<s>/<off|on|flipping> cycles per iteration (medians),
//                callgrind instructions per iteration off/on, and the flip of
//                a 64-site key in the strategy's apply mode
//                (patch/<per-site|batched>/procmem/sites:64)
//   model        what `pokebench explore` proved or refuted for the strategy,
//                and whether the stress counts agree (filled by the CLI)
//   scenario cost  for every scenario but slub: the scenario's own figures
//                (Scenario::measure_cost, harness/include/pokebench/harness/
//                scenario.hpp), e.g. cpu_up latency with the strategy's
//                locking: JSON "scenario_cost", one object per figure
//                {name, unit, median, min, max, samples, why}; [] for slub
// JSON (schema_version 6): the keys of to_json below, pinned by
// bench/tests/golden/compare.json; unmeasured values are null.
#pragma once

#include <pokebench/harness/config.hpp>
#include <pokebench/harness/scenario.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pokebench::bench {

// 2: "scenario", per-row "is_fix"; 3: cost.with_writer; 4: per-row "model";
// 5: per-row "scenario_cost"; 6: correctness "violations", "lock_inversions";
// 7: per-row "known_bug"
inline constexpr int kCompareSchemaVersion = 7;
inline constexpr std::size_t kCompareFlipSites = 64;
// The "with writer" column: loop/<variant>/writer:10us (a set_mems_allowed()
// every 10 us on the other CPU, bench/src/bench_writer.cpp).
inline constexpr const char* kCompareWriterPeriod = "10us";
inline constexpr double kCompareWriterPeriodUs = 10;

struct CompareContext {
  std::string git_sha;     // HEAD at build time, "-dirty" when the tree had changes; "unknown" without git
  std::string compiler;    // "GCC 12.2.0"
  std::string flags;       // build type and CXX flags
  std::string kernel;      // uname -sr
  std::string cpu_model;   // /proc/cpuinfo "model name"
  int cpus = 0;            // online CPUs
  bool vm = false;         // CPUID hypervisor bit
  std::string hypervisor;  // "KVMKVMKVM", "" on bare metal
  std::string counters;    // "papi" | "tsc"
  double tsc_ghz = 0;
  double core_ghz_estimate = 0;  // dependent-add chain: TSC ticks x (core/TSC) = core cycles
  std::string date;              // ISO 8601, UTC
};

// Reads the machine and build facts (cheap; calibrates the TSC once).
CompareContext collect_context();

struct DirectionCorrectness {
  std::uint64_t trials = 0;
  std::uint64_t hangs = 0;
  std::uint64_t torn_reads = 0;
  std::uint64_t violations = 0;       // the scenario's own invariant broke (Oracles::violations)
  std::uint64_t lock_inversions = 0;  // the lock-order checker saw a cycle
  std::uint64_t unchecked_reads = 0;  // left unchecked while a write was in flight
  std::uint64_t max_retries = 0;
};

struct StrategyCost {
  std::optional<double> cycles_off, cycles_on, cycles_flipping;
  std::optional<double> insns_off, insns_on;
  std::optional<double> flip_us_median;  // one flip of a kCompareFlipSites-site key
  std::optional<double> syncs_per_flip;
  // loop/<variant>/writer:<kCompareWriterPeriod>: per successful read
  std::optional<double> cycles_writer, retries_writer;
};

// The explorer's word on a strategy over its bounded configurations
// (explore/README.md), next to the stress counts.
struct ModelVerdict {
  std::string verdict;  // OK, HANG, UNSAFE or INCOMPLETE over every configuration explored
  unsigned max_readers = 0, max_sites = 0;
  std::uint64_t configurations = 0, failing = 0;  // failing: HANG or UNSAFE configurations
  std::uint64_t states = 0;
  double seconds = 0;
  // The stress cells of this run say the same: a proof has no hang, no torn
  // read and no oracle failure among them, a refutation at least one.
  bool agrees = false;
  // "proved for configurations up to N": OK and agreeing; nothing else is.
  bool proved() const noexcept { return verdict == "OK" && agrees; }
};

struct StrategyRow {
  std::string name;
  bool is_fix = false;  // the scenario's word: must never hang nor tear (baselines: false)
  // The scenario's known bug (Scenario::known_bug()): must keep failing, or
  // the harness lost its teeth.
  bool known_bug = false;
  std::optional<DirectionCorrectness> enable, disable;  // nullopt: not run (baselines)
  StrategyCost cost;
  std::optional<ModelVerdict> model;  // nullopt: not explored (baselines, other scenarios)
  // The scenario's cost figures for this strategy (empty for slub and for a
  // scenario that measures none); in its order, the same names in every row.
  std::vector<harness::CostFigure> scenario_cost;
};

struct CompareReport {
  CompareContext context;
  std::string scenario;                 // whose strategies these are
  std::vector<StrategyRow> strategies;  // the scenario's listed strategies, in its order
  std::vector<StrategyRow> baselines;   // plain, load-test: cost only
  std::vector<std::string> notes;       // what was skipped and why
  bool interrupted = false;             // SIGINT/SIGTERM in the correctness phase: nothing after it ran
  // Why the correctness phase gave no verdict (cells in ERROR: a machine
  // limit, or too little time); empty when it did. Nothing after it ran.
  std::string no_verdict;
};

// Whether a model verdict (OK, HANG, UNSAFE, INCOMPLETE) says what a row's
// stress counts say: both directions ran, and OK saw no hang, no torn read
// and no violation or lock inversion, HANG a hang, UNSAFE a torn read.
// INCOMPLETE agrees with nothing.
bool stress_agrees(const std::string& verdict, const StrategyRow& row) noexcept;

// Keys in this order: schema_version, context, strategies, baselines, notes.
nlohmann::ordered_json to_json(const CompareReport&);
std::string render_text(const CompareReport&);
std::string render_markdown(const CompareReport&);

struct CompareOptions {
  // The scenario and machine the correctness matrix runs (its strategies are
  // the rows); the benchmark cost columns exist for the slub scenario's
  // strategies, the scenario_cost figures for the others'.
  harness::ScenarioConfig base;
  bool quick = false;              // everything within 90 s on 2 CPUs
  double correctness_seconds = 0;  // 0: 30 quick, 120 full (hang detection may overrun it)
  int repetitions = 0;             // 0: 3 quick, 9 full
  unsigned cost_samples = 0;       // scenario_cost: timed runs per figure, 0: 21 quick, 101 full
  double min_time = 0;             // per repetition, 0: 0.05 quick, 0.2 full
  bool correctness = true;
  bool insns = true;
  // The arguments that make this executable call
  // run_insn_regions_child(filter) (the CLI's insns_child_args). Required
  // when `insns` is set.
  std::function<std::vector<std::string>(const std::string& filter)> insns_child_args;
  std::function<void(const std::string&)> progress;  // one line per step
};

// Runs the three phases in the calling (single-threaded) process: the
// harness forks trial children first, then the benchmarks, then callgrind.
CompareReport run_compare(const CompareOptions&);

}  // namespace pokebench::bench
