#include "flip_counters.hpp"

#include "spinner.hpp"

#include <pokebench/bench/tsc.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <benchmark/benchmark.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <mutex>

namespace pokebench::bench::detail {
namespace {

constexpr int kSamples = 9;
constexpr int kRoundsPerSample = 200;
constexpr int kWarmupRounds = 50;

double measure_sync_reference_us() {
  harness::MachineConfig cfg;
  cfg.csd_timeout = std::chrono::milliseconds(5000);
  harness::Machine machine(cfg);
  const harness::Vcpu& reader = machine.start_vcpu("reference", [](harness::Vcpu& v) {
    while (!v.machine->stop_requested()) harness::cpu_relax();
  });
  std::array<double, kSamples> samples{};
  {
    ScopedPin pin(cpu_other_than(reader.host_cpu));
    const auto round = [&machine] {
      syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0);
      machine.on_each_cpu(harness::do_sync_core, nullptr, "do_sync_core");
    };
    for (int i = 0; i < kWarmupRounds; ++i) round();
    const double ghz = tsc_calibration().ghz;
    for (double& s : samples) {
      const std::uint64_t t0 = tsc_start();
      for (int i = 0; i < kRoundsPerSample; ++i) round();
      s = static_cast<double>(tsc_stop() - t0) / ghz / 1000.0 / kRoundsPerSample;
    }
  }
  machine.request_stop();
  machine.join_all();
  std::nth_element(samples.begin(), samples.begin() + kSamples / 2, samples.end());
  return samples[kSamples / 2];
}

}  // namespace

double sync_reference_us() {
  static std::once_flag once;
  static double us = 0;
  std::call_once(once, [] { us = measure_sync_reference_us(); });
  return us;
}

void publish_flip_counters(benchmark::State& state, const FlipDelta& d, double us_per_iteration) {
  const auto per_flip = [&d](std::uint64_t n) { return d.flips > 0 ? static_cast<double>(n) / d.flips : 0.0; };
  state.counters["syncs_per_flip"] = per_flip(d.after.syncs - d.before.syncs);
  state.counters["ipis_per_flip"] = per_flip(d.ipis);
  state.counters["write_windows_per_flip"] = per_flip(d.after.write_windows - d.before.write_windows);
  state.counters["bytes_written_per_flip"] = per_flip(d.after.bytes_written - d.before.bytes_written);
  const double ref = sync_reference_us();
  state.counters["ref_sync_us"] = ref;
  state.counters["ref_units"] = ref > 0 ? us_per_iteration / ref : 0.0;
}

}  // namespace pokebench::bench::detail
