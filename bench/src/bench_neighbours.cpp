// loop/<seqlock|latch|rwlock>/writer:<period>: the kernel's other
// primitives for the job (neighbours.hpp) under the writer sweep of
// loop/<variant>/writer:<period> (bench_writer.cpp), with the same
// counters: a reader on this thread, a writer vCPU on the other CPU
// updating the same four-word nodemask once every period with IRQs masked.
// One iteration is one accepted read; cycles_per_iter is the total over the
// run. No static key and no /on row: these readers always check.
#include "families.hpp"
#include "spinner.hpp"
#include "writer_rows.hpp"

#include <pokebench/bench/counters.hpp>
#include <pokebench/bench/neighbours.hpp>
#include <pokebench/bench/writer.hpp>
#include <pokebench/harness/mems_allowed.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>

namespace pokebench::bench::detail {
namespace {

static_assert(kNeighbourMaskWords == harness::kNodemaskWords, "the neighbours read the same nodemask");

constexpr std::uint64_t kBatch = 1024;

void BM_neighbour_writer(benchmark::State& state, const Neighbour* n, Period p) {
  const bool same_cpu = writer_shares_the_cpu(state);
  MemsAllowedWriter writer(n->write, p.period, same_cpu);
  ScopedPin pin(cpu_other_than(writer.host_cpu()));
  ReadTally t;
  BatchCounters c;
  const std::uint64_t w0 = writer.writes();
  c.start();
  while (state.KeepRunningBatch(kBatch)) n->read(kBatch, t);
  c.stop();
  const std::uint64_t w1 = writer.writes();
  c.publish(state, static_cast<double>(t.reads), Estimate::total);
  publish_reads(state, t, static_cast<double>(w1 - w0), c.elapsed_us(), n->retries);
  state.counters["writer_period_us"] = static_cast<double>(p.period.count()) / 1000.0;
}

}  // namespace

void register_neighbour_benchmarks() {
  for (const Neighbour& n : neighbours())
    for (const Period& p : kPeriods) {
      const std::string name = fmt::format("loop/{}/writer:{}", n.name, p.name);
      benchmark::RegisterBenchmark(name.c_str(), BM_neighbour_writer, &n, p);
    }
}

}  // namespace pokebench::bench::detail
