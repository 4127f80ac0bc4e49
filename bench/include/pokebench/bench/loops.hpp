// The loop/* benchmark variants: one iteration is one pass of the
// get_any_partial()-shaped loop
//     do { cookie = begin(); walk a two-node list; } while (retry(cookie));
// with a fixed tiny body, IRQs left enabled. `plain` has no check at all,
// `load-test` is what a library without code patching does (a relaxed load
// and a branch in begin and in retry); the five strategies run the harness's
// reader code with their own static branch sites.
#pragma once

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

// What the reads of run_checked() saw, summed over calls. A read is one
// successful pass of the loop (begin ... retry returns false); a retry is
// one more trip round it. Checked: begin read the sequence and retry
// compared with it. Torn: the nodemask words of the accepted snapshot
// disagree.
struct ReadTally {
  std::uint64_t reads = 0;
  std::uint64_t retries = 0;      // sum over reads
  std::uint64_t retried = 0;      // reads with at least one retry
  std::uint64_t max_retries = 0;  // in one read
  std::uint64_t checked = 0;
  std::uint64_t torn_checked = 0;    // a validated read with torn data: a seqcount bug
  std::uint64_t torn_unchecked = 0;  // no seqcount looked (plain): what it costs to skip it
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
