// current->mems_allowed and its seqcount, and set_mems_allowed(), the writer
// every reader of cpuset.hpp races with (include/linux/cpuset.h: the
// kernel's set_mems_allowed() masks IRQs, opens the write section, stores
// the nodemask, closes it). Header-only: the slub scenario (harness/src/
// slub.cpp) and bench/'s writer benchmarks use the same update.
#pragma once

#include <pokebench/harness/seqcount.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <atomic>
#include <cstdint>

namespace pokebench::harness {

// nodemask_t of a machine with 4 x 64 nodes; every update writes the same
// value to every word, so words that disagree are a torn read.
inline constexpr int kNodemaskWords = 4;
struct nodemask_t {
  std::atomic<std::uint64_t> bits[kNodemaskWords];
};

// A reader's copy of the nodemask, taken inside a read section.
using nodemask_snapshot = std::uint64_t[kNodemaskWords];

// True when every word of a snapshot holds the same update. Branch-free: it
// runs once per read in the writer benchmarks.
[[gnu::always_inline]] inline bool nodemask_consistent(const nodemask_snapshot& s) noexcept {
  bool same = true;
  for (int i = 1; i < kNodemaskWords; ++i) same &= s[i] == s[0];
  return same;
}

// One update of the nodemask under its seqcount, IRQs masked on the calling
// vCPU (a no-op on a plain thread), with `work` cpu_relax() spread over the
// words so a test can widen the write section.
[[gnu::always_inline]] inline void set_mems_allowed(seqcount_t* seq, nodemask_t* mask, std::uint64_t value,
                                                    unsigned work = 0) noexcept {
  const unsigned long flags = local_irq_save();
  write_seqcount_begin(seq);
  for (int i = 0; i < kNodemaskWords; ++i) {
    // Relaxed: ordered by write_seqcount_begin/end's fences (seqcount.hpp).
    mask->bits[i].store(value, std::memory_order_relaxed);
    for (unsigned k = 0; k < work / kNodemaskWords; ++k) cpu_relax();
  }
  write_seqcount_end(seq);
  local_irq_restore(flags);
}

}  // namespace pokebench::harness
