// The loop/* benchmark variants: one iteration is one pass of the
// get_any_partial()-shaped loop
//     do { cookie = begin(); walk a two-node list; } while (retry(cookie));
// with a fixed tiny body, IRQs left enabled. `plain` has no check at all,
// `load-test` is what a library without code patching does (a relaxed load
// and a branch in begin and in retry); the five strategies run the harness's
// reader code with their own static branch sites.
#pragma once

#include <cstdint>
#include <span>

namespace pokebench::bench {

struct LoopVariant {
  const char* name;                // "plain", "load-test", "per-site", ...
  // Runs n loop passes; noinline, the same code the benchmarks time and
  // `pokebench insns` counts.
  void (*run)(std::uint64_t n);
  // Puts the variant's key(s) in a state through its patcher (cpuset_inc /
  // cpuset_dec for the strategies): true = "on" (a cpuset exists).
  void (*set_enabled)(bool on);
  bool patched;                    // flips patch code (int3 hits possible)
};

// plain, load-test, then per-site, batched, ordered, cached, cookie.
std::span<const LoopVariant> loop_variants();

} // namespace pokebench::bench
