// The slub scenario (docs/kernel.md, the 2017 hang): get_any_partial() and
// its siblings looping on read_mems_allowed_begin/retry with IRQs masked, a
// set_mems_allowed() writer, and cpuset_inc/dec patching the cpuset keys.
// The strategies are the five historical cpuset.h variants (cpuset.hpp) and
// a broken seqcount reader as the torn-read oracle's negative control.
// Private to the harness; it reaches everything through the Scenario seam.
#pragma once

#include <pokebench/harness/cpuset.hpp>
#include <pokebench/harness/mems_allowed.hpp>
#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/seqcount.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace pokebench::harness::slub {

const Scenario& scenario();

// nodemask_t, kNodemaskWords and the update itself: mems_allowed.hpp.
using harness::kNodemaskWords;
using harness::nodemask_t;

// One reader's oracle counters (written by that reader only, relaxed:
// observations) and what its last begin() returned.
struct ReaderCounts {
  std::atomic<unsigned> cookie{0};
  std::atomic<std::uint64_t> checked{0}, unchecked{0}, unchecked_inflight{0}, torn{0}, max_retries{0}, loops{0};
};

// Everything a trial child's threads share.
struct World {
  unsigned work_per_loop = 64;
  seqcount_t mems_allowed_seq{};  // current->mems_allowed_seq
  nodemask_t mems_allowed{};      // current->mems_allowed
  std::atomic<std::uint64_t> writes{0};
  std::vector<std::unique_ptr<ReaderCounts>> counts;  // one per reader slot
};

// set_mems_allowed(): one seqcount-protected update of the nodemask, with IRQs masked.
void set_mems_allowed(World& w, std::uint64_t value, unsigned work);

}  // namespace pokebench::harness::slub
