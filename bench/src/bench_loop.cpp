// loop/<variant>/<off|on|flipping>: the hot-path cost of each fix.
//   off       no cpuset: the keys are disabled
//   on        a cpuset exists: keys enabled, the seqcount is really read
//   flipping  a pinned thread toggles the key(s) continuously through the
//             variant's patcher while this (pinned) reader runs with IRQs
//             enabled, so no strategy can hang: the cost under churn, with
//             int3 hits. The patcher's sync here is membarrier alone: the
//             reader is a plain thread, not a vCPU that could acknowledge.
// Iterations are counted in batches of kBatch passes (KeepRunningBatch), so
// the counters and the framework's loop stay out of the per-pass cost. With
// TSC cycles, off/on report the median batch (preemption and interrupts drop
// out); flipping reports the total, since its rare traps are the point.
#include "families.hpp"
#include "flip_counters.hpp"
#include "spinner.hpp"

#include <pokebench/bench/counters.hpp>
#include <pokebench/bench/loops.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace pokebench::bench::detail {
namespace {

constexpr std::uint64_t kBatch = 1024;

#ifndef POKEBENCH_AB_TEST_SLOWDOWN
#define POKEBENCH_AB_TEST_SLOWDOWN 0
#endif
// Only for measuring `pokebench ab` (bench/README.md, "How sensitive is
// pokebench ab"): with -DPOKEBENCH_AB_TEST_SLOWDOWN=K, every batch of
// loop/cookie/off and /on ends with an lfence (the loop's last passes complete
// first, so nothing overlaps) and a straight line of K dependent adds (K
// cycles), inside the measured lap but outside the loop's own function, whose
// code and placement stay as they are: extra instructions inside the loop
// moved the row by 2-8% from one build to the next. In every real build K is
// 0 and this compiles to nothing.
class TestSlowdown {
 public:
  explicit TestSlowdown(const LoopVariant& v, int mode) : on_(std::string_view(v.name) == "cookie" && mode != 2) {}
  void after_batch() noexcept {
    if constexpr (kAdds != 0)
      if (on_) asm volatile("lfence\n\t.rept %c1\n\tadd $1, %0\n\t.endr" : "+r"(acc_) : "i"(kAdds));
  }

 private:
  static constexpr int kAdds = POKEBENCH_AB_TEST_SLOWDOWN;
  bool on_;
  std::uint64_t acc_ = 0;
};

void BM_loop(benchmark::State& state, const LoopVariant* v, int mode /* 0 off, 1 on, 2 flipping */) {
  namespace pp = pokebench::patcher;
  if (mode == 2) (void)sync_reference_us();  // measured once per process, before this row's threads run
  ScopedPin pin(measuring_cpu());
  // set_enabled() patches with the patcher's defaults (membarrier sync,
  // emulate-new, table order) in the variant's own apply mode.
  try {
    v->set_enabled(mode == 1);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  std::atomic<std::uint64_t> flips{0};
  std::atomic<bool> toggler_failed{false};
  std::string toggler_error;  // written once, before toggler_failed (release)
  const pp::Stats before = pp::stats();
  double elapsed_us = 0;
  {
    std::optional<Spinner> toggler;
    if (mode == 2) {
      toggler.emplace(sibling_cpu(), [v, &flips, &toggler_failed, &toggler_error] {
        if (toggler_failed.load(std::memory_order_relaxed)) return;
        try {
          v->set_enabled(flips.load(std::memory_order_relaxed) % 2 == 0);
          flips.fetch_add(1, std::memory_order_relaxed);
        } catch (const std::exception& e) {
          toggler_error = e.what();
          // Release pairs with the acquire below: the message is complete.
          toggler_failed.store(true, std::memory_order_release);
        }
      });
      toggler->wait_running();
    }
    BatchCounters c;
    TestSlowdown slowdown(*v, mode);
    c.start();
    while (state.KeepRunningBatch(kBatch)) {
      v->run(kBatch);
      slowdown.after_batch();
      c.lap(kBatch);
    }
    c.stop();
    // off/on: the steady-state cost (median batch); flipping: the amortised
    // cost, int3 traps and patching stalls included.
    c.publish(state, static_cast<double>(state.iterations()), mode == 2 ? Estimate::total : Estimate::median_batch);
    elapsed_us = c.elapsed_us();
  }
  if (toggler_failed.load(std::memory_order_acquire)) {
    state.SkipWithError(("the toggler failed: " + toggler_error).c_str());
    try {
      v->set_enabled(false);
    } catch (const std::exception&) {
    }
    return;
  }
  if (mode == 2) {
    // The toggler has stopped: every flip it counted is complete in the stats.
    // Its sync is membarrier alone, so no IPIs are sent.
    const FlipDelta d{before, pp::stats(), 0, static_cast<double>(flips.load())};
    const double n = static_cast<double>(state.iterations());
    state.counters["flips"] = d.flips;  // key transitions during the run
    state.counters["int3_hits"] = static_cast<double>(d.after.int3_hits - d.before.int3_hits) / n;  // per pass
    publish_flip_counters(state, d, elapsed_us / n);
  }
  v->set_enabled(false);
}

}  // namespace

void register_loop_benchmarks() {
  static const char* const kModes[] = {"off", "on", "flipping"};
  for (const auto& v : loop_variants())
    for (int mode = 0; mode < 3; ++mode) {
      const std::string name = fmt::format("loop/{}/{}", v.name, kModes[mode]);
      benchmark::RegisterBenchmark(name.c_str(), BM_loop, &v, mode);
    }
}

}  // namespace pokebench::bench::detail
