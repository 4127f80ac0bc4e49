// write/<variant>: the write side's own cost, one update of the nodemask
// per iteration, timed on the writer vCPU itself (a harness vCPU, so
// local_irq_save() really masks its interrupts), in batches of kBatch.
//   write/seqcount          set_mems_allowed(): IRQs masked,
//                           write_seqcount_begin, four words,
//                           write_seqcount_end; nobody reads
//   write/seqcount/reader   the same while a reader on the other CPU runs
//                           loop/ordered's loop back to back (key enabled),
//                           so every write first takes the line back
//   write/seqlock           the kernel's neighbours' updates of the same
//   write/latch             nodemask (neighbours.hpp), IRQs masked as
//   write/rwlock            above; nobody reads. Each is one call into
//                           neighbours.cpp, where set_mems_allowed() is
//                           inlined: a call costs a few ticks of its own
// cycles_per_iter is the median batch in TSC ticks on the writer vCPU
// (whatever counters the rest uses: the timing thread is not this one).
// The benchmark thread hands each batch to the vCPU and waits for it (or
// reads, for /reader); the handoff is outside the timed batch.
#include "families.hpp"
#include "spinner.hpp"

#include <pokebench/bench/loops.hpp>
#include <pokebench/bench/neighbours.hpp>
#include <pokebench/bench/tsc.hpp>
#include <pokebench/bench/writer.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace pokebench::bench::detail {
namespace {

constexpr std::uint64_t kBatch = 256;

const LoopVariant& reader_variant() {
  for (const auto& v : loop_variants())
    if (std::string_view(v.name) == "ordered") return v;
  return loop_variants().front();
}

MemsAllowedOneLine& write_data() {
  static MemsAllowedOneLine data;
  return data;
}

// `update(value)`: one write of the nodemask, IRQs masked.
template <class Update>
void BM_write(benchmark::State& state, bool with_reader, Update update) {
  if (with_reader && harness::Machine::host_cpus() < 2) {
    state.SkipWithError("only one CPU is allowed: the reader needs a second one");
    return;
  }
  const LoopVariant& reader = reader_variant();
  if (with_reader) {
    try {
      reader.set_checked_enabled(true);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
  }
  const MemsAllowedRef ref = write_data().ref();
  std::atomic<std::uint64_t> requested{0}, done{0};
  std::vector<double> ticks;  // per write, one entry per batch; written by the vCPU only
  ticks.reserve(1 << 16);
  {
    harness::Machine machine;
    const double overhead = tsc_calibration().read_overhead_ticks;
    const harness::Vcpu& w = machine.start_vcpu("writer", [&](harness::Vcpu& cpu) {
      std::uint64_t value = 0, served = 0;
      while (!cpu.machine->stop_requested()) {
        // Acquire pairs with the release increment below: a request is new.
        if (requested.load(std::memory_order_acquire) == served) {
          harness::cpu_relax();
          continue;
        }
        const std::uint64_t t0 = tsc_start();
        for (std::uint64_t k = 0; k < kBatch; ++k) update(++value);
        const double t = static_cast<double>(tsc_stop() - t0) - overhead;
        if (ticks.size() < ticks.capacity()) ticks.push_back(std::max(t, 0.0) / kBatch);
        // Release pairs with the acquire wait of the benchmark thread: the
        // batch's entry in `ticks` is complete.
        done.store(++served, std::memory_order_release);
      }
    });
    ScopedPin pin(cpu_other_than(w.host_cpu));
    ReadTally t;
    while (state.KeepRunningBatch(kBatch)) {
      const std::uint64_t n = requested.fetch_add(1, std::memory_order_release) + 1;
      while (done.load(std::memory_order_acquire) < n)
        if (with_reader)
          reader.run_checked(ref, 16, t);
        else
          harness::cpu_relax();
    }
    machine.request_stop();
    machine.join_all();
    if (with_reader) {
      state.counters["reads_per_write"] = static_cast<double>(t.reads) / static_cast<double>(state.iterations());
      state.counters["torn_reads"] = static_cast<double>(t.torn_checked);
    }
  }
  if (with_reader) reader.set_checked_enabled(false);
  if (ticks.empty()) return;
  const auto mid = ticks.begin() + static_cast<std::ptrdiff_t>(ticks.size() / 2);
  std::nth_element(ticks.begin(), mid, ticks.end());
  state.counters["cycles_per_iter"] = *mid;
}

}  // namespace

void register_write_benchmarks() {
  const auto seqcount = [ref = write_data().ref()](std::uint64_t value) {
    harness::set_mems_allowed(ref.seq, ref.mask, value);
  };
  benchmark::RegisterBenchmark("write/seqcount", BM_write<decltype(seqcount)>, false, seqcount);
  benchmark::RegisterBenchmark("write/seqcount/reader", BM_write<decltype(seqcount)>, true, seqcount);
  for (const Neighbour& n : neighbours()) {
    const auto masked = [write = n.write](std::uint64_t value) {
      const unsigned long flags = harness::local_irq_save();
      write(value);
      harness::local_irq_restore(flags);
    };
    const std::string name = std::string("write/") + n.name;
    benchmark::RegisterBenchmark(name.c_str(), BM_write<decltype(masked)>, false, masked);
  }
}

}  // namespace pokebench::bench::detail
