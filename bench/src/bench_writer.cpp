// loop/<variant>/writer:<period>: the loop of loop/<variant>/on (key
// enabled) while a set_mems_allowed() writer on the other CPU updates the
// nodemask once every period (1ms, 100us, 10us, 1us) or back to back (0).
// The sequence and the nodemask share a cache line (as task_struct's
// mems_allowed_seq and mems_allowed sit together); the
// loop/<variant>/writer:<10us|0>/separate-lines rows give each its own.
// One iteration is one successful read (a loop exit), whatever it took:
// cycles_per_iter is the total over the run (Estimate::total), so retries,
// spins on an odd sequence and cache-line transfers are all charged to the
// reads that paid them. The reads are run_checked()'s (loops.hpp): each
// snapshot of the four-word nodemask is checked for tearing, and its retries
// counted.
//
// Counters:
//   retries_per_read   mean retries per read        retried_fraction  reads that retried
//   max_retries        most retries of one read     checked_fraction  reads the seqcount validated
//   torn_reads         validated reads whose words disagree (must be 0)
//   torn_unchecked     torn reads nothing validated (plain reads no seqcount)
//   writes_per_s       the writer's achieved rate   writer_period_us  the period asked for
//   waited_fraction    reads that waited for the writer (rwlock rows, instead of the three retry counters)
#include "families.hpp"
#include "spinner.hpp"
#include "writer_rows.hpp"

#include <pokebench/bench/counters.hpp>
#include <pokebench/bench/loops.hpp>
#include <pokebench/bench/writer.hpp>
#include <pokebench/support/diagnostics.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <exception>
#include <mutex>
#include <string>

namespace pokebench::bench::detail {
namespace {

using std::chrono::nanoseconds;

constexpr std::uint64_t kBatch = 1024;

enum class Placement { one_line, separate_lines };

void BM_writer(benchmark::State& state, const LoopVariant* v, Period p, Placement where) {
  const bool same_cpu = writer_shares_the_cpu(state);
  try {
    v->set_checked_enabled(true);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  static MemsAllowedOneLine one_line;
  static MemsAllowedSeparateLines separate_lines;
  const MemsAllowedRef ref = where == Placement::one_line ? one_line.ref() : separate_lines.ref();
  {
    MemsAllowedWriter writer(ref, p.period, 0, same_cpu);
    ScopedPin pin(cpu_other_than(writer.host_cpu()));
    ReadTally t;
    BatchCounters c;
    const std::uint64_t w0 = writer.writes();
    c.start();
    while (state.KeepRunningBatch(kBatch)) v->run_checked(ref, kBatch, t);
    c.stop();
    const std::uint64_t w1 = writer.writes();
    c.publish(state, static_cast<double>(t.reads), Estimate::total);
    publish_reads(state, t, static_cast<double>(w1 - w0), c.elapsed_us());
    state.counters["writer_period_us"] = static_cast<double>(p.period.count()) / 1000.0;
  }
  v->set_checked_enabled(false);
}

}  // namespace

bool writer_shares_the_cpu(benchmark::State& state) {
  if (harness::Machine::host_cpus() >= 2) return false;
  static std::once_flag once;
  std::call_once(once, [] {
    support::warning(
        "only one CPU is allowed: loop/*/writer:* run reader and writer on the same CPU (labelled 'same CPU'), "
        "time-sliced by the scheduler; allow two CPUs (taskset, cgroup cpuset) for the cross-CPU figures");
  });
  state.SetLabel("same CPU: only one allowed");
  return true;
}

void publish_reads(benchmark::State& state, const ReadTally& t, double writes, double elapsed_us, bool retries) {
  const auto reads = static_cast<double>(t.reads);
  if (retries) {
    state.counters["retries_per_read"] = static_cast<double>(t.retries) / reads;
    state.counters["max_retries"] = static_cast<double>(t.max_retries);
    state.counters["retried_fraction"] = static_cast<double>(t.retried) / reads;
  } else {
    state.counters["waited_fraction"] = static_cast<double>(t.waited) / reads;
  }
  state.counters["checked_fraction"] = static_cast<double>(t.checked) / reads;
  state.counters["torn_reads"] = static_cast<double>(t.torn_checked);
  state.counters["torn_unchecked"] = static_cast<double>(t.torn_unchecked);
  state.counters["writes_per_s"] = elapsed_us > 0 ? writes / (elapsed_us * 1e-6) : 0;
}

void register_writer_benchmarks() {
  for (const auto& v : loop_variants())
    for (const auto& p : kPeriods) {
      const std::string name = fmt::format("loop/{}/writer:{}", v.name, p.name);
      benchmark::RegisterBenchmark(name.c_str(), BM_writer, &v, p, Placement::one_line);
    }
  // Placement: the sequence and the nodemask on lines of their own, at the
  // documented period and back to back.
  for (const auto& v : loop_variants())
    for (const auto& p : kPeriods) {
      if (p.period != nanoseconds(10'000) && p.period != nanoseconds(0)) continue;
      const std::string name = fmt::format("loop/{}/writer:{}/separate-lines", v.name, p.name);
      benchmark::RegisterBenchmark(name.c_str(), BM_writer, &v, p, Placement::separate_lines);
    }
}

}  // namespace pokebench::bench::detail
