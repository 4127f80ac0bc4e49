// The loop variants (loops.hpp): the harness's cpuset.h strategies and
// baselines (harness/cpuset.hpp) with keys of their own, so the benchmark's
// sites are not the harness's. Each run<S>() is one noinline function
// expanding the get_any_partial() loop once: one begin site and one retry
// site per key, executed n times. The probe is NoProbe (costs nothing).
#include <pokebench/bench/loops.hpp>
#include <pokebench/harness/cpuset.hpp>
#include <pokebench/harness/mems_allowed.hpp>
#include <pokebench/harness/seqcount.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <array>
#include <atomic>

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
struct BrokenTag {};
template <class Tag>
using Keys = cs::CpusetKeys<Tag>;

// The "zonelist": two node words the body reads, as get_any_partial() tries
// each allowed node. Relaxed loads, as seqcount-protected data is read. No writer writes these: "on"
// costs the seqcount reads, never a retry (the writer rows read their own
// data through run_checked(), bench_writer.cpp).
std::atomic<std::uint64_t> g_nodes[2] = {{0x3}, {0x3}};
harness::seqcount_t g_seq;

template <class S>
[[gnu::noinline]] void run(std::uint64_t n) {
  cs::NoProbe probe;
  std::uint64_t acc = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    cs::mems_allowed_loop<S>(&g_seq, probe, [&acc] {
      acc += g_nodes[0].load(std::memory_order_relaxed) & g_nodes[1].load(std::memory_order_relaxed);
    });
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

// Tells which exits were checked (as harness/src/slub.cpp's probe does):
// two flags in registers.
struct CheckedProbe {
  bool read_seq = false, compared = false;
  [[gnu::always_inline]] void on_begin(bool read, unsigned) noexcept { read_seq = read; }
  [[gnu::always_inline]] void on_retry(bool checked, bool) noexcept { compared = checked; }
};

template <class S>
[[gnu::noinline]] void run_checked(MemsAllowedRef d, std::uint64_t n, ReadTally& t) {
  ReadTally k = t;  // in registers for the loop
  for (std::uint64_t i = 0; i < n; ++i) {
    CheckedProbe probe;
    harness::nodemask_snapshot snap;
    std::uint64_t attempts = 0;
    cs::mems_allowed_loop<S>(d.seq, probe, [&] {
      ++attempts;
      // Relaxed: ordered by the seqcount's fences (seqcount.hpp).
      for (int w = 0; w < harness::kNodemaskWords; ++w) snap[w] = d.mask->bits[w].load(std::memory_order_relaxed);
    });
    const std::uint64_t retries = attempts - 1;
    const bool checked = probe.read_seq && probe.compared;
    const bool torn = !harness::nodemask_consistent(snap);
    k.retries += retries;
    k.retried += retries != 0;
    k.max_retries = retries > k.max_retries ? retries : k.max_retries;
    k.checked += checked;
    k.torn_checked += checked && torn;
    k.torn_unchecked += !checked && torn;
  }
  k.reads += n;
  t = k;
}

// The writer rows' reads have keys of their own (Checked<Tag>): sharing
// run()'s would add their sites to every key and change what
// loop/<variant>/flipping patches.
template <class Tag>
struct Checked {};

template <class S, class SChecked>
constexpr LoopVariant variant() {
  return {S::name, &run<S>, &set_enabled<S>, S::patched, &run_checked<SChecked>, &set_enabled<SChecked>};
}
template <template <class> class S, class Tag>
constexpr LoopVariant strategy() {
  return variant<S<Keys<Tag>>, S<Keys<Checked<Tag>>>>();
}

const std::array<LoopVariant, 7> kVariants{{
    variant<cs::Plain<>, cs::Plain<>>(),
    variant<cs::LoadTest<cs::FlagKeys<LoadTestTag>>, cs::LoadTest<cs::FlagKeys<Checked<LoadTestTag>>>>(),
    strategy<cs::PerSite, PerSiteTag>(),
    strategy<cs::Batched, BatchedTag>(),
    strategy<cs::Ordered, OrderedTag>(),
    strategy<cs::Cached, CachedTag>(),
    strategy<cs::Cookie, CookieTag>(),
}};

const LoopVariant kBroken = strategy<cs::BrokenSeqcount, BrokenTag>();

}  // namespace

std::span<const LoopVariant> loop_variants() { return kVariants; }
const LoopVariant& broken_seqcount_variant() { return kBroken; }

}  // namespace pokebench::bench
