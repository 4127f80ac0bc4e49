// The loop variants (loops.hpp): the harness's cpuset.h strategies and
// baselines (harness/cpuset.hpp) with keys of their own, so the benchmark's
// sites are not the harness's. Each run<S>() is one noinline function
// expanding the get_any_partial() loop once: one begin site and one retry
// site per key, executed n times. The probe is NoProbe (costs nothing).
#include <pokebench/bench/loops.hpp>
#include <pokebench/harness/cpuset.hpp>
#include <pokebench/harness/seqcount.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <array>
#include <atomic>
#include <string_view>

namespace pokebench::bench {
namespace {

namespace cs = harness::cpuset;

// Keys of the benchmarks' own, tagged with types of internal linkage: the
// instantiations are local to this file, so the sites' key operands are
// link-time constants even in -fPIC code.
struct PerSiteTag {};
struct BatchedTag {};
struct OrderedTag {};
struct CachedTag {};
struct CookieTag {};
struct LoadTestTag {};
template <class Tag>
using Keys = cs::CpusetKeys<Tag>;

// The "zonelist": two node words the body reads, as get_any_partial() tries
// each allowed node. Relaxed loads, as seqcount-protected data is read. No writer runs here: "on"
// costs the seqcount reads, never a retry.
std::atomic<std::uint64_t> g_nodes[2] = {{0x3}, {0x3}};
harness::seqcount_t g_seq;

#ifdef POKEBENCH_AB_TEST_SLOWDOWN
// Only for measuring `pokebench ab` (bench/README.md, "How sensitive is
// pokebench ab"): a chain of 16 dependent adds every
// POKEBENCH_AB_TEST_SLOWDOWN-th pass (a power of two) of loop/cookie/*.
// bench/CMakeLists.txt sets it only on request; without it this code does
// not exist.
template <class S>
[[gnu::always_inline]] inline void ab_test_extra_work(std::uint64_t i, std::uint64_t& acc) {
  static_assert((POKEBENCH_AB_TEST_SLOWDOWN & (POKEBENCH_AB_TEST_SLOWDOWN - 1)) == 0, "a power of two");
  if constexpr (std::string_view(S::name) == "cookie") {
    if ((i & (POKEBENCH_AB_TEST_SLOWDOWN - 1)) == 0)
      for (int k = 0; k < 16; ++k) asm volatile("add $1, %0" : "+r"(acc));
  }
}
#endif

template <class S>
[[gnu::noinline]] void run(std::uint64_t n) {
  cs::NoProbe probe;
  std::uint64_t acc = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    cs::mems_allowed_loop<S>(&g_seq, probe, [&acc] {
      acc += g_nodes[0].load(std::memory_order_relaxed) & g_nodes[1].load(std::memory_order_relaxed);
    });
#ifdef POKEBENCH_AB_TEST_SLOWDOWN
    ab_test_extra_work<S>(i, acc);
#endif
  }
  // Keeps the body's arithmetic: acc must exist in a register.
  asm volatile("" ::"r"(acc));
}

// cpuset_inc/dec through the patcher with the strategy's own apply mode
// (S::apply: batched for `batched`, per-site for the rest, as the harness
// patches them), the default backend and int3 policy, no hooks.
template <class S>
void set_enabled(bool on) {
  if (S::enabled() == on) return;
  static const patcher::Config policy = [] {
    patcher::Config c;
    c.apply = S::apply;
    return c;
  }();
  if (on)
    S::cpuset_inc(policy);
  else
    S::cpuset_dec(policy);
}

template <class S>
constexpr LoopVariant variant() {
  return {S::name, &run<S>, &set_enabled<S>, S::patched};
}

const std::array<LoopVariant, 7> kVariants{{
    variant<cs::Plain<>>(),
    variant<cs::LoadTest<cs::FlagKeys<LoadTestTag>>>(),
    variant<cs::PerSite<Keys<PerSiteTag>>>(),
    variant<cs::Batched<Keys<BatchedTag>>>(),
    variant<cs::Ordered<Keys<OrderedTag>>>(),
    variant<cs::Cached<Keys<CachedTag>>>(),
    variant<cs::Cookie<Keys<CookieTag>>>(),
}};

}  // namespace

std::span<const LoopVariant> loop_variants() { return kVariants; }

}  // namespace pokebench::bench
