// patch/<per-site|batched>/<mprotect|procmem>/sites:<N>: one key flip (enable
// or disable, alternately) of a key with N sites, while one reader vCPU runs
// those sites (once every 10 us) with IRQs enabled. The sync is the kernel's: membarrier, then
// on_each_cpu(do_sync_core, wait=1) over the vCPUs (docs/kernel.md, text_poke_bp).
// per-site costs 3 syncs per site, batched 3 per batch of up to max_batch.
#include "families.hpp"
#include "flip_counters.hpp"
#include "patch_sites.hpp"
#include "spinner.hpp"

#include <pokebench/bench/counters.hpp>
#include <pokebench/bench/tsc.hpp>
#include <pokebench/harness/vcpu.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <exception>

namespace pokebench::bench::detail {
namespace {

namespace pp = pokebench::patcher;

constexpr double kReaderGapUs = 10;

void BM_patch(benchmark::State& state, pp::ApplyMode apply, pp::Backend backend, const patch_sites::SiteSet* set) {
  (void)sync_reference_us();  // measured once per process, before this row's vCPU takes a CPU
  harness::MachineConfig mcfg;
  mcfg.csd_timeout = std::chrono::milliseconds(5000);
  harness::Machine machine(mcfg);
  // The reader vCPU, IRQs enabled, runs every site of the key once every
  // kReaderGapUs and spins in between: it answers each sync at once and
  // traps on an int3 now and then, like a CPU that executes the key's code
  // among other work. (Executing the sites back to back instead turns the
  // flip into a SIGTRAP storm on the reader that every sync waits behind:
  // a userspace artifact, a trap is a signal here, ~45-180 ns in the kernel.)
  // This thread patches from the other CPU.
  const std::uint64_t gap_ticks = static_cast<std::uint64_t>(kReaderGapUs * 1000 * tsc_calibration().ghz);
  const harness::Vcpu& reader = machine.start_vcpu("reader", [set, gap_ticks](harness::Vcpu& v) {
    while (!v.machine->stop_requested()) {
      benchmark::DoNotOptimize(set->run());
      const std::uint64_t t0 = tsc_start();
      while (tsc_start() - t0 < gap_ticks) harness::cpu_relax();
    }
  });
  ScopedPin pin(cpu_other_than(reader.host_cpu));

  // A known policy (table order, emulate-new, max_batch 256), passed to every
  // flip: rows mean the same in every run.
  pp::Config cfg;
  cfg.apply = apply;
  cfg.backend = backend;
  cfg.observer = nullptr;
  cfg.cpu_sync = [&machine] { machine.on_each_cpu(harness::do_sync_core, nullptr, "do_sync_core"); };
  try {
    FlipDelta d;
    d.before = pp::stats();
    const std::uint64_t ipis0 = machine.ipis_sent();
    BatchCounters c;
    bool on = pp::static_key_count(set->key) > 0;
    c.start();
    for (auto _ : state) {
      on = !on;
      if (on)
        pp::static_key_enable(set->key, cfg);
      else
        pp::static_key_disable(set->key, cfg);
    }
    c.stop();
    d.after = pp::stats();
    d.ipis = machine.ipis_sent() - ipis0;
    d.flips = static_cast<double>(state.iterations());
    c.publish(state, d.flips);
    publish_flip_counters(state, d, c.elapsed_us() / d.flips);
    state.counters["int3_hits"] = static_cast<double>(d.after.int3_hits - d.before.int3_hits) / d.flips;
    state.counters["flip_us"] = c.elapsed_us() / d.flips;
    state.counters["sites"] = static_cast<double>(set->sites);
    if (on) pp::static_key_disable(set->key, cfg);  // leave the key as found: off
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
  machine.request_stop();
  machine.join_all();
}

}  // namespace

void register_patch_benchmarks() {
  for (const auto apply : {pp::ApplyMode::per_site, pp::ApplyMode::batched})
    for (const auto backend : {pp::Backend::mprotect, pp::Backend::procmem})
      for (const auto& set : patch_sites::all()) {
        const std::string name =
            fmt::format("patch/{}/{}/sites:{}", apply == pp::ApplyMode::per_site ? "per-site" : "batched",
                        pp::to_string(backend), set.sites);
        benchmark::RegisterBenchmark(name.c_str(), BM_patch, apply, backend, &set)->Unit(benchmark::kMicrosecond);
      }
}

}  // namespace pokebench::bench::detail
