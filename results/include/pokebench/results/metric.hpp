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
  other,          // any other name (plain Google Benchmark files): real_time
};
Family family_of(const std::string& benchmark);
const char* to_string(Family f);

// The metric a row is judged on and whether it gates; `why` says which rule
// picked it (shown in every gate output).
struct MetricChoice {
  std::string metric;
  bool gated = true;
  std::string why;
};

// The family's default: loop off/on on cycles_per_iter (PAPI cycles, else the
// median-batch TSC counter of the benchmark), patch and flipping rows on
// ref_units (cost / the same run's sync round trip), sync rows shown on
// real_time, other rows on real_time, each as the current run carries it. Wall time is never the default of
// a loop, patch or flipping row: without their counter they are shown, not gated.
MetricChoice default_metric(const ResultDocument& current, const std::string& benchmark);

// "real_time", "cpu_time" and every user counter some sample of `docs` carries.
std::vector<std::string> known_metrics(const std::vector<const ResultDocument*>& docs);

// Exact counters: a user counter whose name ends in "_per_flip" (syncs_per_flip,
// ipis_per_flip, write_windows_per_flip, bytes_written_per_flip), and "syncs",
// the name benches used for syncs per flip before those counters existed.
// int3 hits depend on timing: reported, never exact.
bool is_exact_counter(const std::string& name);
inline constexpr const char* kReferenceCounter = "ref_units";

}  // namespace pokebench::results
