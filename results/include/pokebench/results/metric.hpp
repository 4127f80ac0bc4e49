// Which number of a benchmark row the gate judges, per benchmark family, and
// which user counters are exact (deterministic counts, gated on any change).
#pragma once

#include <pokebench/results/document.hpp>

#include <string>
#include <vector>

namespace pokebench::results {

enum class Family {
  loop_steady,    // loop/<variant>/off|on: cycles per iteration
  loop_flipping,  // loop/<variant>/flipping: cost in units of the run's own reference
  patch,          // patch/...: cost in units of the run's own reference
  sync,           // sync/...: the environment itself; gated only in A/B
  writer,         // loop/<variant>/writer:*, write/...: a reader and a writer on two vCPUs; gated only in A/B
  other,          // any other name (plain Google Benchmark files): real_time
};
Family family_of(const std::string& benchmark);
const char* to_string(Family f);

// How one run's repetitions of a row become that run's value against history.
// A loop off/on row sits at one of two or three levels per repetition and per
// process while its fastest level repeats to within 1% across processes
// (results/tests/calibration, docs/nightly.md): noise only adds time, so the
// minimum estimates the code's cost and the median the host's mood (the
// argument of Chen and Revels, "Robust benchmarking in noisy environments",
// arXiv:1608.04295). Rows whose noise is not one-sided keep the median.
enum class Statistic { median, fastest };
const char* to_string(Statistic s);

// The metric a row is judged on, how a run's repetitions are summarised, and
// whether it gates; `why` says which rule picked it (shown in every gate output).
struct MetricChoice {
  std::string metric;
  bool gated = true;
  std::string why;
  Statistic statistic = Statistic::median;
};

// How the family of `benchmark` summarises a run's repetitions (whatever the metric).
Statistic statistic_of(const std::string& benchmark);

// One run's value of a row: the median or the fastest of its repetitions (NaN when empty).
double run_value(Statistic s, const std::vector<double>& repetitions);

// The family's default: loop off/on on cycles_per_iter (PAPI cycles, else the
// median-batch TSC counter of the benchmark), its fastest repetition; patch
// and flipping rows on ref_units (cost / the same run's sync round trip);
// writer rows shown on cycles_per_iter (cycles per read); sync rows shown on
// real_time; other rows on real_time, each as the current run carries it.
// Wall time is never the default of a loop, patch or flipping row: without
// their counter they are shown, not gated.
MetricChoice default_metric(const ResultDocument& current, const std::string& benchmark);
// The same from the benchmark's own rows of the current run (the gate's index, regress_internal.hpp).
MetricChoice default_metric(const SampleRows& current_rows, const std::string& benchmark);

// The metric `pokebench ab` judges a row on: the family's, gated or not (A/B
// runs both builds on one machine at one time, so the environment cancels).
std::string ab_metric(const std::string& benchmark);

// "real_time", "cpu_time" and every user counter some sample of `docs` carries.
std::vector<std::string> known_metrics(const std::vector<const ResultDocument*>& docs);

// Exact counters: a user counter whose name ends in "_per_flip" (syncs_per_flip,
// ipis_per_flip, write_windows_per_flip, bytes_written_per_flip), and "syncs",
// the name benches used for syncs per flip before those counters existed.
// int3 hits depend on timing: reported, never exact.
bool is_exact_counter(const std::string& name);
// The exact counters the benches emit today, for A/B (which compares them per process).
inline const std::vector<std::string> kExactCounters = {"syncs_per_flip", "ipis_per_flip", "write_windows_per_flip",
                                                        "bytes_written_per_flip"};
inline constexpr const char* kReferenceCounter = "ref_units";

}  // namespace pokebench::results
