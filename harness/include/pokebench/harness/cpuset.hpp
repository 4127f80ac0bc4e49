// The emulated include/linux/cpuset.h: read_mems_allowed_begin/retry in the
// five historical strategies (docs/kernel.md: the bug and its fixes) plus two baselines and a
// deliberately broken negative control. Header-only, usable without the
// trial machinery (bench/ includes it directly).
//
// ---------------------------------------------------------------------------
// Interface (for bench/ and the harness)
//
//   namespace pokebench::harness::cpuset
//
//   Strategy types, each a class template over a Keys type that owns the
//   strategy's static keys (so each user can have its own sites and keys):
//     PerSite<K>   v4.12: one key; begin 0 / retry false when disabled
//     Batched<K>   the same reader code; the toggler patches batched (v5.3)
//     Ordered<K>   89affbf5d9eb: begin tests pre_enable, retry tests enabled
//     Cached<K>    Zavin v2: cookie {seq, was_enabled}; retry tests was_enabled
//     Cookie<K>    Babka: begin -1 when disabled; retry false for -1 first
//     Plain<K>     baseline: no check at all
//     LoadTest<K>  baseline: relaxed atomic load + branch (no code patching)
//     BrokenSeqcount<K>  negative control (tests only): begin does not wait
//                  for an even sequence, so a checked read can be torn
//   Default key sets: PerSiteKeys, BatchedKeys, OrderedKeys, CachedKeys,
//   CookieKeys, PlainKeys, LoadTestKeys, BrokenKeys. To get keys and sites of
//   your own, use PerSite<CpusetKeys<struct MyTag>> (LoadTest<FlagKeys<...>>).
//
//   Every strategy S provides
//     using cookie_t;                       what begin returns
//     static constexpr const char* name;    "per-site", ...
//     static constexpr bool patched;        sites exist (false for baselines)
//     template <class Probe> static cookie_t read_mems_allowed_begin(const seqcount_t*, Probe&);
//     template <class Probe> static bool     read_mems_allowed_retry(const seqcount_t*, cookie_t, Probe&);
//     static void cpuset_inc(const patcher::Config&); // first cpuset created (through the patcher)
//     static void cpuset_dec(const patcher::Config&); // last cpuset removed
//     static bool enabled();      // the keys' combined state (static_key_enabled)
//     static constexpr bool is_fix;          // must never hang (the scenario's table reads it)
//     static constexpr patcher::ApplyMode apply; // how its toggler patches
//     static std::vector<NamedKey> keys();   // patching order of inc, with the kernel's names
//   begin/retry are always_inline: every function that expands the loop
//   below is its own begin site and retry site, as inlined kernel copies are.
//   That holds in every preset, sanitizers included: GCC rejects a call to an
//   always_inline function that it cannot inline, and the harness's tests
//   check each reader function's sites through the ELF symbol table
//   (CpusetSites.EveryReaderFunctionOwnsItsBeginAndRetrySites).
//
//   The loop, exactly the kernel's shape (get_any_partial, mm/slub.c):
//     template <class S, class Probe, class Walk>
//     void mems_allowed_loop(const seqcount_t* seq, Probe& probe, Walk&& walk);
//       do { cookie = S::read_mems_allowed_begin(seq, probe); walk(); }
//       while (S::read_mems_allowed_retry(seq, cookie, probe));
//
//   Probe policy (instrumentation, a template parameter so NoProbe costs
//   nothing; every hook is called on the reader's thread):
//     void on_begin(bool read_seq, unsigned value);  begin returned; read_seq:
//                                  it read the sequence (value = that sequence)
//     void on_retry(bool checked, bool again);       retry returned `again`;
//                                  checked: it compared with the sequence
//   A loop exit is "checked" when the last begin read the sequence and the
//   last retry compared with it; otherwise "unchecked" (what the kernel
//   accepts when a key says disabled). NoProbe implements every hook empty.
//
//   The slub scenario (harness/src/slub.cpp) lists the strategies with their
//   traits for everything that runs them; bench/ instantiates them directly.
// ---------------------------------------------------------------------------
#pragma once

#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/seqcount.hpp>
#include <pokebench/patcher/patcher.hpp>
#include <pokebench/patcher/static_key.hpp>

#include <atomic>
#include <vector>

namespace pokebench::harness::cpuset {

struct NoProbe {
  [[gnu::always_inline]] void on_begin(bool, unsigned) noexcept {}
  [[gnu::always_inline]] void on_retry(bool, bool) noexcept {}
};

// The marker begin returns when disabled in Babka's fix: odd, so it is never
// a sequence read_seqcount_begin returns.
inline constexpr unsigned kCookieDisabled = ~0u;

// ---- key sets ------------------------------------------------------------------
// The keys of one user of the strategies. Each Tag type gets keys (and so
// sites) of its own; declare the tag in an anonymous namespace in -fPIC code,
// so the key operands are link-time constants. Only Ordered uses both keys.
template <class Tag>
struct CpusetKeys {
  static inline static_key_false cpusets_pre_enable_key = POKEBENCH_STATIC_KEY_INIT_FALSE;
  static inline static_key_false cpusets_enabled_key = POKEBENCH_STATIC_KEY_INIT_FALSE;
};
template <class Tag>
struct FlagKeys {
  static inline std::atomic<bool> enabled{false};
};
using PerSiteKeys = CpusetKeys<struct PerSiteTag>;
using BatchedKeys = CpusetKeys<struct BatchedTag>;
using OrderedKeys = CpusetKeys<struct OrderedTag>;
using CachedKeys = CpusetKeys<struct CachedTag>;
using CookieKeys = CpusetKeys<struct CookieTag>;
using BrokenKeys = CpusetKeys<struct BrokenTag>;
struct PlainKeys {};
using LoadTestKeys = FlagKeys<struct LoadTestTag>;

namespace detail {
// The halves every strategy shares once its key test has decided: read or
// validate the sequence, or skip it (each tells the probe what it did).
template <class Probe>
[[gnu::always_inline]] inline unsigned seq_begin(const seqcount_t* s, Probe& p) {
  const unsigned seq = read_seqcount_begin(s);
  p.on_begin(true, seq);
  return seq;
}
template <class Probe>
[[gnu::always_inline]] inline bool seq_retry(const seqcount_t* s, unsigned seq, Probe& p) {
  const bool again = read_seqcount_retry(s, seq);
  p.on_retry(true, again);
  return again;
}
template <class Probe>
[[gnu::always_inline]] inline unsigned no_seq_begin(unsigned cookie, Probe& p) {
  p.on_begin(false, cookie);
  return cookie;
}
template <class Probe>
[[gnu::always_inline]] inline bool no_seq_retry(Probe& p) {
  p.on_retry(false, false);
  return false;
}

// One key, reference counted through the patcher (static_branch_inc/dec).
template <class K>
struct OneKey {
  static void cpuset_inc(const patcher::Config& p) { patcher::static_key_slow_inc(&K::cpusets_enabled_key.key, p); }
  static void cpuset_dec(const patcher::Config& p) { patcher::static_key_slow_dec(&K::cpusets_enabled_key.key, p); }
  static bool enabled() { return patcher::static_key_count(&K::cpusets_enabled_key.key) > 0; }
  static std::vector<NamedKey> keys() { return {{&K::cpusets_enabled_key.key, "cpusets_enabled_key"}}; }
};
}  // namespace detail

// ---- 1. per-site: v4.4 .. v4.12 include/linux/cpuset.h ------------------------
template <class K = PerSiteKeys>
struct PerSite : detail::OneKey<K> {
  using cookie_t = unsigned;
  static constexpr const char* name = "per-site";
  static constexpr bool patched = true;
  static constexpr bool is_fix = false;  // the 2017 bug
  static constexpr patcher::ApplyMode apply = patcher::ApplyMode::per_site;

  template <class Probe>
  [[gnu::always_inline]] static unsigned read_mems_allowed_begin(const seqcount_t* s, Probe& p) {
    if (!POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&K::cpusets_enabled_key, "begin")) return detail::no_seq_begin(0, p);
    return detail::seq_begin(s, p);
  }
  template <class Probe>
  [[gnu::always_inline]] static bool read_mems_allowed_retry(const seqcount_t* s, unsigned seq, Probe& p) {
    if (!POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&K::cpusets_enabled_key, "retry")) return detail::no_seq_retry(p);
    return detail::seq_retry(s, seq, p);
  }
};

// ---- 2. batched: the same code; only the patching differs (v5.3) -------------
template <class K = BatchedKeys>
struct Batched : PerSite<K> {
  static constexpr const char* name = "batched";
  // A fix only while one batch holds every site of the key (no site of the
  // key is patched before all of them have their int3).
  static constexpr bool is_fix = true;
  static constexpr patcher::ApplyMode apply = patcher::ApplyMode::batched;
};

// ---- 3. ordered: two keys, the merged fix 89affbf5d9eb (v4.13) --------------
template <class K = OrderedKeys>
struct Ordered {
  using cookie_t = unsigned;
  static constexpr const char* name = "ordered";
  static constexpr bool patched = true;
  static constexpr bool is_fix = true;
  static constexpr patcher::ApplyMode apply = patcher::ApplyMode::per_site;

  template <class Probe>
  [[gnu::always_inline]] static unsigned read_mems_allowed_begin(const seqcount_t* s, Probe& p) {
    if (!POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&K::cpusets_pre_enable_key, "begin"))
      return detail::no_seq_begin(0, p);
    return detail::seq_begin(s, p);
  }
  template <class Probe>
  [[gnu::always_inline]] static bool read_mems_allowed_retry(const seqcount_t* s, unsigned seq, Probe& p) {
    if (!POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&K::cpusets_enabled_key, "retry")) return detail::no_seq_retry(p);
    return detail::seq_retry(s, seq, p);
  }
  // "static branch rewrites can happen in an arbitrary order for a given key":
  // so begin's key goes first on the way up and last on the way down.
  static void cpuset_inc(const patcher::Config& p) {
    patcher::static_key_slow_inc(&K::cpusets_pre_enable_key.key, p);
    patcher::static_key_slow_inc(&K::cpusets_enabled_key.key, p);
  }
  static void cpuset_dec(const patcher::Config& p) {
    patcher::static_key_slow_dec(&K::cpusets_enabled_key.key, p);
    patcher::static_key_slow_dec(&K::cpusets_pre_enable_key.key, p);
  }
  static bool enabled() { return patcher::static_key_count(&K::cpusets_enabled_key.key) > 0; }
  static std::vector<NamedKey> keys() {
    return {{&K::cpusets_pre_enable_key.key, "cpusets_pre_enable_key"},
            {&K::cpusets_enabled_key.key, "cpusets_enabled_key"}};
  }
};

// ---- 4. cached: Dima Zavin's RFC v2 --------------------------------------------
struct cpuset_mems_cookie {
  unsigned seq;
  bool was_enabled;
};

template <class K = CachedKeys>
struct Cached : detail::OneKey<K> {
  using cookie_t = cpuset_mems_cookie;
  static constexpr const char* name = "cached";
  static constexpr bool patched = true;
  static constexpr bool is_fix = true;
  static constexpr patcher::ApplyMode apply = patcher::ApplyMode::per_site;

  template <class Probe>
  [[gnu::always_inline]] static cpuset_mems_cookie read_mems_allowed_begin(const seqcount_t* s, Probe& p) {
    cpuset_mems_cookie c;
    c.was_enabled = POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&K::cpusets_enabled_key, "begin");
    c.seq = c.was_enabled ? detail::seq_begin(s, p) : detail::no_seq_begin(0, p);
    return c;
  }
  template <class Probe>
  [[gnu::always_inline]] static bool read_mems_allowed_retry(const seqcount_t* s, cpuset_mems_cookie c, Probe& p) {
    if (!c.was_enabled) return detail::no_seq_retry(p);  // a real conditional branch, no site
    return detail::seq_retry(s, c.seq, p);
  }
};

// ---- 5. cookie: Vlastimil Babka's -1 cookie --------------------------------------
template <class K = CookieKeys>
struct Cookie : detail::OneKey<K> {
  using cookie_t = unsigned;
  static constexpr const char* name = "cookie";
  static constexpr bool patched = true;
  static constexpr bool is_fix = true;
  static constexpr patcher::ApplyMode apply = patcher::ApplyMode::per_site;

  template <class Probe>
  [[gnu::always_inline]] static unsigned read_mems_allowed_begin(const seqcount_t* s, Probe& p) {
    if (!POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&K::cpusets_enabled_key, "begin"))
      return detail::no_seq_begin(kCookieDisabled, p);
    return detail::seq_begin(s, p);
  }
  template <class Probe>
  [[gnu::always_inline]] static bool read_mems_allowed_retry(const seqcount_t* s, unsigned seq, Probe& p) {
    if (seq == kCookieDisabled) return detail::no_seq_retry(p);  // before looking at the key
    if (!POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&K::cpusets_enabled_key, "retry")) return detail::no_seq_retry(p);
    return detail::seq_retry(s, seq, p);
  }
};

// ---- negative control: a seqcount reader that does not wait for even -------------
// Same key handling as per-site, but begin uses raw_read_seqcount: a reader
// starting inside a write gets the odd value, retry compares equal while the
// writer is still inside, and the torn-read oracle must fire. Tests only.
template <class K = BrokenKeys>
struct BrokenSeqcount : detail::OneKey<K> {
  using cookie_t = unsigned;
  static constexpr const char* name = "broken-seqcount";
  static constexpr bool patched = true;
  static constexpr bool is_fix = false;  // negative control
  static constexpr patcher::ApplyMode apply = patcher::ApplyMode::per_site;

  template <class Probe>
  [[gnu::always_inline]] static unsigned read_mems_allowed_begin(const seqcount_t* s, Probe& p) {
    if (!POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&K::cpusets_enabled_key, "begin")) {
      p.on_begin(false, 0);
      return 0;
    }
    const unsigned seq = raw_read_seqcount(s);  // BUG (deliberate): may be odd
    p.on_begin(true, seq);
    return seq;
  }
  template <class Probe>
  [[gnu::always_inline]] static bool read_mems_allowed_retry(const seqcount_t* s, unsigned seq, Probe& p) {
    if (!POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&K::cpusets_enabled_key, "retry")) return detail::no_seq_retry(p);
    return detail::seq_retry(s, seq, p);
  }
};

// ---- baselines (benchmarks) --------------------------------------------------------
template <class K = PlainKeys>
struct Plain {
  using cookie_t = unsigned;
  static constexpr const char* name = "plain";
  static constexpr bool patched = false;
  static constexpr bool is_fix = false;
  static constexpr patcher::ApplyMode apply = patcher::ApplyMode::per_site;  // nothing to patch
  template <class Probe>
  [[gnu::always_inline]] static unsigned read_mems_allowed_begin(const seqcount_t*, Probe& p) {
    return detail::no_seq_begin(0, p);
  }
  template <class Probe>
  [[gnu::always_inline]] static bool read_mems_allowed_retry(const seqcount_t*, unsigned, Probe& p) {
    return detail::no_seq_retry(p);
  }
  static void cpuset_inc(const patcher::Config&) {}
  static void cpuset_dec(const patcher::Config&) {}
  static bool enabled() { return false; }
  static std::vector<NamedKey> keys() { return {}; }
};

template <class K = LoadTestKeys>
struct LoadTest {
  using cookie_t = unsigned;
  static constexpr const char* name = "load-test";
  static constexpr bool patched = false;
  static constexpr bool is_fix = false;
  static constexpr patcher::ApplyMode apply = patcher::ApplyMode::per_site;  // nothing to patch
  template <class Probe>
  [[gnu::always_inline]] static unsigned read_mems_allowed_begin(const seqcount_t* s, Probe& p) {
    if (!K::enabled.load(std::memory_order_relaxed)) return detail::no_seq_begin(0, p);  // a flag, not a site
    return detail::seq_begin(s, p);
  }
  template <class Probe>
  [[gnu::always_inline]] static bool read_mems_allowed_retry(const seqcount_t* s, unsigned seq, Probe& p) {
    if (!K::enabled.load(std::memory_order_relaxed)) return detail::no_seq_retry(p);
    return detail::seq_retry(s, seq, p);
  }
  // Relaxed: readers tolerate either value, exactly like a disabled key.
  static void cpuset_inc(const patcher::Config&) { K::enabled.store(true, std::memory_order_relaxed); }
  static void cpuset_dec(const patcher::Config&) { K::enabled.store(false, std::memory_order_relaxed); }
  static bool enabled() { return K::enabled.load(std::memory_order_relaxed); }
  static std::vector<NamedKey> keys() { return {}; }
};

// ---- the loop ------------------------------------------------------------------------
// get_any_partial()'s shape. always_inline: each function expanding it owns
// its own begin and retry sites.
template <class S, class Probe, class Walk>
[[gnu::always_inline]] inline void mems_allowed_loop(const seqcount_t* seq, Probe& probe, Walk&& walk) {
  typename S::cookie_t cookie;
  do {
    cookie = S::read_mems_allowed_begin(seq, probe);
    walk();
  } while (S::read_mems_allowed_retry(seq, cookie, probe));
}

}  // namespace pokebench::harness::cpuset
