// The slub scenario (KERNEL-NOTES 4): get_any_partial() readers on vCPUs with
// IRQs masked, a set_mems_allowed() writer, and a toggler flipping the
// cpuset keys through the patcher; run in forked children under a supervisor.
//
//   deterministic: the patcher's observer holds every reader inside an
//     IRQ-off section whenever a protocol step writes bytes, and a reader
//     leaves that section (and so acknowledges the step's sync) only after
//     --irqoff-loops complete passes over its begin/retry loops that started
//     after the write. A loop that cannot terminate hangs in the first trial.
//   stress: readers free-run (sections of --irqoff-loops passes); each trial
//     is one key transition in the direction under test; the reverse one is
//     done with the readers parked (IRQs on, outside any loop).
#pragma once

#include <pokebench/harness/cpuset.hpp>
#include <pokebench/harness/oracles.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pokebench::harness {

enum class Mode { deterministic, stress };
enum class Direction { enable, disable };
enum class SiteOrder { table, address, reverse, begin_first, retry_first, random };

const char* to_string(Mode) noexcept;
const char* to_string(Direction) noexcept;
const char* to_string(SiteOrder) noexcept;
std::optional<Mode> parse_mode(std::string_view) noexcept;
std::optional<Direction> parse_direction(std::string_view) noexcept;
std::optional<SiteOrder> parse_site_order(std::string_view) noexcept;
inline constexpr SiteOrder kAllOrders[] = {SiteOrder::table,       SiteOrder::address,     SiteOrder::reverse,
                                           SiteOrder::begin_first, SiteOrder::retry_first, SiteOrder::random};

struct ScenarioConfig {
  cpuset::Strategy strategy = cpuset::Strategy::per_site;
  Direction direction = Direction::enable;
  SiteOrder order = SiteOrder::retry_first;
  patcher::Int3Policy int3 = patcher::Int3Policy::skip;
  std::size_t batch_size = 256;  // batched only; 256 covers every site of a key
  patcher::Backend backend = patcher::Backend::procmem;
  Mode mode = Mode::deterministic;
  std::uint64_t trials = 1;      // deterministic: forked trials; stress: transitions
  double duration_s = 0;         // stress: stop after this long (0: trials only)
  unsigned readers = 1;
  unsigned irqoff_loops = 3;     // passes per IRQ-off section (deterministic: after each write)
  unsigned initial_seq = 2;      // a booted kernel's mems_allowed_seq is nonzero
  unsigned writer_period_us = 1000; // 0: no writer
  unsigned timeout_ms = 1000;    // CSD-lock watchdog
  std::uint64_t seed = 1;        // Order::random
  unsigned work_per_loop = 64;   // pause iterations in one zonelist walk
  // Negative control: an extra vCPU masks IRQs and spins forever outside any
  // begin/retry loop, so no sync is ever acknowledged.
  bool inject_stuck_vcpu = false;
  // Stress: end the run at the first hang instead of forking a fresh child
  // for the rest of the budget (the torture matrix only needs to see one).
  bool stop_at_first_hang = false;
};

// Checks a configuration; returns what is wrong and how to fix it, or "".
std::string validate(const ScenarioConfig&);
// rcutorture-style one-paragraph configuration dump.
std::string describe(const ScenarioConfig&);

enum class Verdict { ok, torn, hang, error };
const char* to_string(Verdict) noexcept;

struct HangEvent {
  std::uint64_t trial = 0;       // trial (deterministic) or transition (stress) index
  double seconds = 0;            // since the scenario started
  std::string report;            // the child's CSD-watchdog report
};

struct ScenarioResult {
  ScenarioConfig config;
  Oracles oracles;
  std::uint64_t trials = 0;      // trials attempted (deterministic: children; stress: transitions)
  std::uint64_t hung_trials = 0;
  std::vector<HangEvent> hangs;  // first few reports (all counted in hung_trials)
  std::vector<std::string> errors; // children that failed otherwise (crash, exit code)
  double seconds = 0;
  double first_hang_s = -1;      // time to first hang, -1 if none
  bool interrupted = false;      // SIGINT/SIGTERM: stopped early
  std::string pinning_warning;
  Verdict verdict() const noexcept;
  double transitions_per_s() const noexcept;
};

// Progress callback: (trials done, trials planned or 0, hangs so far).
using ProgressFn = std::function<void(std::uint64_t, std::uint64_t, std::uint64_t)>;

// Runs the scenario in forked children; the calling process must be single
// threaded (membarrier registration and the patcher's state are per-mm).
// Throws std::runtime_error for an unusable environment.
ScenarioResult run_scenario(const ScenarioConfig& cfg, const ProgressFn& progress = {});

// "verdict: HANG ..." / "verdict: TORN ..." / "verdict: OK ..." (no newline).
std::string verdict_line(const ScenarioResult&);
// The result as a JSON document.
std::string result_json(const ScenarioResult&);

} // namespace pokebench::harness
