#include <pokebench/bench/tsc.hpp>

#include <cpuid.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace pokebench::bench {
namespace {

std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

template <std::size_t N>
double median(std::array<double, N> v) {
  std::sort(v.begin(), v.end());
  return N % 2 ? v[N / 2] : (v[N / 2 - 1] + v[N / 2]) / 2;
}

TscCalibration calibrate() {
  TscCalibration c;
  unsigned a = 0, b = 0, cx = 0, d = 0;
  if (__get_cpuid(0x80000007, &a, &b, &cx, &d)) c.invariant = (d >> 8) & 1;

  // Rate: TSC ticks over ~20 ms of CLOCK_MONOTONIC_RAW, three times, median.
  std::array<double, 3> rates{};
  for (auto& r : rates) {
    const std::int64_t t0 = monotonic_ns();
    const std::uint64_t c0 = tsc_start();
    std::int64_t t1 = t0;
    while (t1 - t0 < 20'000'000) t1 = monotonic_ns();
    const std::uint64_t c1 = tsc_stop();
    r = static_cast<double>(c1 - c0) / static_cast<double>(t1 - t0);
  }
  c.ghz = median(rates);

  // Overhead of an empty start/stop window; the median resists a preempted sample.
  std::array<double, 1001> samples{};
  for (auto& s : samples) {
    const std::uint64_t s0 = tsc_start();
    const std::uint64_t s1 = tsc_stop();
    s = static_cast<double>(s1 - s0);
  }
  c.read_overhead_ticks = median(samples);

  // 8 dependent adds per iteration: 8 core cycles whatever the clock.
  constexpr std::uint64_t kIters = 250'000;
  for (int run = 0; run < 7; ++run) {
    std::uint64_t x = 0, n = kIters;
    const std::uint64_t t0 = tsc_start();
    asm volatile("1:\n\t.rept 8\n\tadd $1, %0\n\t.endr\n\tdec %1\n\tjnz 1b" : "+r"(x), "+r"(n)::"cc");
    const std::uint64_t t1 = tsc_stop();
    const double ticks = static_cast<double>(t1 - t0) - c.read_overhead_ticks;
    if (ticks > 0) c.core_per_tick = std::max(c.core_per_tick, 8.0 * kIters / ticks);
  }
  return c;
}

}  // namespace

const TscCalibration& tsc_calibration() {
  static const TscCalibration c = calibrate();
  return c;
}

}  // namespace pokebench::bench
