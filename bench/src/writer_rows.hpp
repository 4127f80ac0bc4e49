// What the writer rows share (bench_writer.cpp: loop/<variant>/writer:*,
// bench_neighbours.cpp: loop/<seqlock|latch|rwlock>/writer:*): the sweep of
// writer periods, the same-CPU rule and the read counters.
#pragma once

#include <pokebench/bench/read_tally.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>

namespace pokebench::bench::detail {

struct Period {
  const char* name;
  std::chrono::nanoseconds period;
};
inline constexpr std::array<Period, 5> kPeriods{{
    {"1ms", std::chrono::nanoseconds(1'000'000)},
    {"100us", std::chrono::nanoseconds(100'000)},
    {"10us", std::chrono::nanoseconds(10'000)},
    {"1us", std::chrono::nanoseconds(1'000)},
    {"0", std::chrono::nanoseconds(0)},
}};

// With one allowed CPU the writer vCPU and the reader take turns on it:
// said on the row and once on stderr, never passed off as the cross-CPU
// figure. True when that is the case.
bool writer_shares_the_cpu(benchmark::State& state);

// The counters of every writer row (bench_writer.cpp lists them). `retries`:
// the reads retry (a seqcount); an rwlock's wait instead (waited_fraction).
void publish_reads(benchmark::State& state, const ReadTally& t, double writes, double elapsed_us, bool retries = true);

}  // namespace pokebench::bench::detail
