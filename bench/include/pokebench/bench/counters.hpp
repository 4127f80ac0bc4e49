// Counters for every benchmark: cycles and instructions per iteration, plus
// software events as noise indicators.
//
// Each PAPI event is probed by actually adding it to an event set: PAPI lists
// events (perf::CYCLES, PAPI_TOT_CYC) it cannot count on a VM without a PMU,
// so the component's "active" flag proves nothing (docs/measuring.md §1). Cycles come
// from PAPI_TOT_CYC where it can be added, otherwise from the TSC (serialised
// reads, read overhead subtracted, rate calibrated).
//
// Counters are read once before and once after a batch of iterations, never
// per iteration: PAPI_read costs ~455 ns here (no rdpmc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace benchmark {
class State;
}

namespace pokebench::bench {

enum class CycleSource { papi, tsc };
const char* to_string(CycleSource) noexcept;

struct EventProbe {
  std::string name;     // PAPI name, e.g. "PAPI_TOT_CYC", "perf::PAGE-FAULTS"
  std::string counter;  // user counter it feeds, e.g. "page_faults"
  bool usable = false;  // PAPI_add_event + start + stop succeeded
  std::string detail;   // PAPI's error when not usable
};

struct CounterSupport {
  bool papi = false;        // PAPI_library_init succeeded
  std::string papi_detail;  // version, or why it failed
  std::vector<EventProbe> events;
  CycleSource cycles = CycleSource::tsc;
  bool instructions = false;  // PAPI_TOT_INS usable
  double tsc_ghz = 0;
  double tsc_overhead_ticks = 0;
  double core_per_tick = 0;  // core cycles per TSC tick (TscCalibration)
};

// Probed once, cached; thread-safe.
const CounterSupport& counter_support();

// One line per fact, for `pokebench selftest` and the benchmark context, e.g.
// "cycles: TSC (PAPI_TOT_CYC cannot be added: Event does not exist), 2.596 GHz".
std::string describe_counters();

// Records the counter source in Google Benchmark's context (key "counters",
// "tsc_ghz", "papi_events") and says once on stderr when cycles are TSC ticks.
void announce_counters();

// How cycles_per_iter is estimated from the TSC.
enum class Estimate {
  total,         // all cycles between start() and stop() / iterations: the
                 // amortised cost, rare expensive events (int3 traps) included
  median_batch,  // median over the batches ended by lap(): the steady-state
                 // cost; a batch hit by preemption or an interrupt (the TSC
                 // keeps counting while the thread is off the CPU) drops out
};

// One measurement on the calling thread:
//   BatchCounters c;  c.start();
//   while (state.KeepRunningBatch(k)) { work(k); c.lap(k); }   // or for (auto _ : state)
//   c.stop();  c.publish(state, state.iterations(), Estimate::median_batch);
// publish() sets cycles_per_iter, insns_per_iter (PAPI_TOT_INS only) and the
// noise counters ctx_switches, cpu_migrations, page_faults (totals per run).
// With PAPI_TOT_CYC the cycles are the thread's own and always the total.
class BatchCounters {
 public:
  BatchCounters();
  ~BatchCounters();
  BatchCounters(const BatchCounters&) = delete;
  BatchCounters& operator=(const BatchCounters&) = delete;

  void start() noexcept;
  // Ends a batch of `iterations` and starts the next (two serialised TSC
  // reads between batches, outside both).
  void lap(std::uint64_t iterations);
  void stop() noexcept;
  // Cycles spent between start() and stop(), read overhead removed.
  double cycles() const noexcept { return cycles_; }
  // Wall time between start() and stop() from the TSC, in microseconds.
  double elapsed_us() const noexcept;
  void publish(benchmark::State& state, double iterations, Estimate estimate = Estimate::total) const;

 private:
  int event_set_ = -1;
  std::vector<std::string> names_;  // counter name per event in the set
  std::vector<long long> values_;
  int cycles_index_ = -1, insns_index_ = -1;
  std::uint64_t tsc0_ = 0;
  std::uint64_t lap0_ = 0;
  std::vector<double> laps_;  // ticks per iteration of each batch
  double ticks_ = 0;
  double cycles_ = 0;
  double insns_ = 0;
};

}  // namespace pokebench::bench
