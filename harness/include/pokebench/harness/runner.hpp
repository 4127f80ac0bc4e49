// Running a scenario: deterministic and stress modes in forked trial
// children under a supervisor, oracles aggregated into a verdict.
//
//   deterministic: the patcher's observer holds every reader inside an
//     IRQ-off section whenever a protocol step writes bytes, and a reader
//     leaves that section (and so acknowledges the step's sync) only after
//     --irqoff-loops complete passes over its loops that started after the
//     write. A loop that cannot terminate hangs in the first trial.
//   stress: readers free-run (sections of --irqoff-loops passes); each trial
//     is one key transition in the direction under test; the reverse one is
//     done with the readers parked (IRQs on, outside any loop).
#pragma once

#include <pokebench/harness/config.hpp>
#include <pokebench/harness/oracles.hpp>
#include <pokebench/harness/scenario.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pokebench::harness {

// FAIL: a scenario's own oracle (Oracles::violations) or the lock-order
// checker (Oracles::lock_inversions) fired.
enum class Verdict { ok, torn, hang, fail, error };
inline constexpr std::pair<Verdict, const char*> kVerdictNames[] = {{Verdict::ok, "OK"},
                                                                    {Verdict::torn, "TORN"},
                                                                    {Verdict::hang, "HANG"},
                                                                    {Verdict::fail, "FAIL"},
                                                                    {Verdict::error, "ERROR"}};
inline const char* to_string(Verdict v) noexcept { return patcher::name_of(kVerdictNames, v); }

struct HangEvent {
  std::uint64_t trial = 0;  // trial (deterministic) or transition (stress) index
  double seconds = 0;       // since the run started
  std::string report;       // the child's CSD-watchdog report
};

struct ScenarioResult {
  ScenarioConfig config;
  Oracles oracles;
  // Deterministic: trial children run. Stress: transitions under test
  // attempted (completed, or hung while under way).
  std::uint64_t trials = 0;
  std::uint64_t hung_trials = 0;
  std::vector<HangEvent> hangs;     // first few reports (all counted in hung_trials)
  std::vector<std::string> errors;  // children that failed otherwise (crash, exit code)
  double seconds = 0;
  double first_hang_s = -1;       // time to first hang, -1 if none
  double first_violation_s = -1;  // time to the first violation, -1 if none
  bool interrupted = false;       // SIGINT/SIGTERM: stopped early
  std::string pinning_warning;
  // Set when trials could not start for a reason of this machine (the
  // process and thread limit, fork refused): what failed and what to change.
  // The verdict is then ERROR, never a statement about the code.
  std::string environment_error;
  // HANG, TORN, FAIL, ERROR (a child failed, a stray SIGTRAP, or nothing ran), OK.
  Verdict verdict() const noexcept;
  // True when no trial (deterministic) or no transition (stress) completed:
  // such a run shows nothing and its verdict is never OK.
  bool ran_nothing() const noexcept;
  double transitions_per_s() const noexcept;
};

// Progress callback: (trials done, trials planned or 0, hangs so far).
using ProgressFn = std::function<void(std::uint64_t, std::uint64_t, std::uint64_t)>;

// Runs the scenario in forked children; the calling process must be single
// threaded (membarrier registration and the patcher's state are per-mm).
// Throws std::invalid_argument for a bad configuration, std::runtime_error
// for an unusable environment.
ScenarioResult run_scenario(const ScenarioConfig& cfg, const ProgressFn& progress = {});

// "verdict: HANG scenario=slub strategy=... direction=... order=... int3=...
// mode=...: hangs=..." (no newline).
std::string verdict_line(const ScenarioResult&);
// The result as a JSON document (schema_version 2: adds "scenario" and the
// strategy's "is_fix").
std::string result_json(const ScenarioResult&);

}  // namespace pokebench::harness
