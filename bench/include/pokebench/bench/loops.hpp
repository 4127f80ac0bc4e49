// The loop/* benchmark variants: one iteration is one pass of the
// get_any_partial()-shaped loop
//     do { cookie = begin(); walk a two-node list; } while (retry(cookie));
// with a fixed tiny body, IRQs left enabled. `plain` has no check at all,
// `load-test` is what a library without code patching does (a relaxed load
// and a branch in begin and in retry); the five strategies run the harness's
// reader code with their own static branch sites.
#pragma once

#include <pokebench/bench/read_tally.hpp>
#include <pokebench/harness/mems_allowed.hpp>
#include <pokebench/harness/seqcount.hpp>

#include <cstdint>
#include <span>

namespace pokebench::bench {

// The data a writer benchmark's reads and its writer share: wherever the
// caller placed them (one cache line or two, bench/src/bench_writer.cpp).
struct MemsAllowedRef {
  harness::seqcount_t* seq;
  harness::nodemask_t* mask;
};

struct LoopVariant {
  const char* name;  // "plain", "load-test", "per-site", ...
  // Runs n loop passes; noinline, the same code the benchmarks time and
  // `pokebench insns` counts.
  void (*run)(std::uint64_t n);
  // Puts the variant's key(s) in a state through its patcher (cpuset_inc /
  // cpuset_dec for the strategies): true = "on" (a cpuset exists).
  void (*set_enabled)(bool on);
  bool patched;  // flips patch code (int3 hits possible)
  // n reads of the multi-word nodemask at `data` through the same loop, each
  // snapshot checked for tearing and its retries counted into `tally` (a few
  // register operations per read more than run()). noinline.
  void (*run_checked)(MemsAllowedRef data, std::uint64_t n, ReadTally& tally);
  // run_checked()'s keys are its own (so loop/<variant>/flipping patches
  // what it always did): set_enabled() for them.
  void (*set_checked_enabled)(bool on);
};

// plain, load-test, then per-site, batched, ordered, cached, cookie.
std::span<const LoopVariant> loop_variants();

// The torn-read oracle's negative control (harness cpuset::BrokenSeqcount:
// begin takes an odd sequence without waiting): for tests, never a
// benchmark row.
const LoopVariant& broken_seqcount_variant();

}  // namespace pokebench::bench
