// The set_mems_allowed() writer of the writer benchmarks
// (loop/<variant>/writer:<period>, bench/src/bench_writer.cpp) and of their
// correctness tests: a harness vCPU on a CPU of its own, updating the
// nodemask under its seqcount with IRQs masked (harness/mems_allowed.hpp),
// once every period, or back to back with period 0.
#pragma once

#include <pokebench/bench/loops.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace pokebench::bench {

// The shared data, in the two placements the benchmarks compare: the
// sequence and the nodemask on one cache line (as task_struct's
// mems_allowed and mems_allowed_seq sit next to each other), or on lines of
// their own.
struct alignas(64) MemsAllowedOneLine {
  harness::seqcount_t seq{};  // a C struct: zero only when asked (SEQCNT_ZERO)
  harness::nodemask_t mask{};
  MemsAllowedRef ref() noexcept { return {&seq, &mask}; }
};
struct MemsAllowedSeparateLines {
  alignas(64) harness::seqcount_t seq{};
  alignas(64) harness::nodemask_t mask{};
  MemsAllowedRef ref() noexcept { return {&seq, &mask}; }
};
static_assert(sizeof(MemsAllowedOneLine) == 64);
static_assert(sizeof(MemsAllowedSeparateLines) == 128);

class MemsAllowedWriter {
 public:
  // Starts the writer vCPU (pinned to the first CPU this thread may run on:
  // call it before pinning the reader) and returns once it is running.
  // `work`: cpu_relax() calls inside each write section (0 in every
  // benchmark row). `yield`: wait for the next period with sched_yield()
  // instead of spinning, for a writer that shares its CPU with the reader.
  MemsAllowedWriter(MemsAllowedRef data, std::chrono::nanoseconds period, unsigned work = 0, bool yield = false);
  // The same schedule for another update of a nodemask (the kernel's
  // neighbours, neighbours.hpp): update(value) with IRQs masked.
  MemsAllowedWriter(void (*update)(std::uint64_t value), std::chrono::nanoseconds period, bool yield = false);
  ~MemsAllowedWriter();  // stops and joins the vCPU
  MemsAllowedWriter(const MemsAllowedWriter&) = delete;
  MemsAllowedWriter& operator=(const MemsAllowedWriter&) = delete;

  int host_cpu() const noexcept { return host_cpu_; }
  // Completed updates so far.
  std::uint64_t writes() const noexcept { return writes_.load(std::memory_order_relaxed); }

 private:
  template <class Update>
  void start(Update update, std::chrono::nanoseconds period, bool yield);

  std::atomic<std::uint64_t> writes_{0};
  int host_cpu_ = -1;
  harness::Machine machine_;
};

}  // namespace pokebench::bench
