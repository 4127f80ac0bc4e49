// The TSC as a cycle counter where the PMU is absent (a KVM guest here, see
// docs/measuring.md §1 and §2).
//
// Reads are serialised so the measured region cannot leak out of the window:
// start = lfence; rdtsc; lfence (earlier instructions retire first, later
// ones wait), stop = rdtscp; lfence (rdtscp waits for the region to retire).
// CPUID would serialise fully but is a VM exit (~2,100 cycles) here.
// The TSC is invariant (constant_tsc, nonstop_tsc), so ticks are nominal
// cycles at the calibrated rate, not the core's actual clock.
#pragma once

#include <cstdint>

namespace pokebench::bench {

inline std::uint64_t tsc_start() noexcept {
  std::uint32_t lo = 0, hi = 0;
  asm volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi)::"memory");
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

inline std::uint64_t tsc_stop() noexcept {
  std::uint32_t lo = 0, hi = 0, aux = 0;
  asm volatile("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
  return (static_cast<std::uint64_t>(hi) << 32) | lo;
}

struct TscCalibration {
  double ghz = 0;                  // TSC ticks per nanosecond
  double read_overhead_ticks = 0;  // median of tsc_stop() - tsc_start() back to back
  bool invariant = false;          // CPUID 0x80000007 EDX bit 8
  // Core clock / TSC rate, from a chain of dependent adds (one cycle each):
  // converts TSC ticks to core cycles where no PMU can count them. The best
  // of several runs (interference only lowers it). ~1.35 here: boost.
  double core_per_tick = 0;
};

// Measured once (about 60 ms) on first use, then cached. Thread-safe.
const TscCalibration& tsc_calibration();

}  // namespace pokebench::bench
