// The kernel's other primitives for the job cpuset's mems_allowed seqcount
// does (bench/src/neighbours.cpp): readers of a four-word nodemask and the
// update of it, each with its own data on its own cache lines.
//   seqlock  seqlock_t (<linux/seqlock.h>): read_seqbegin/read_seqretry,
//            the writer takes write_seqlock (a spinlock) around the seqcount
//   latch    seqcount_latch_t: two copies; readers take copy seq & 1 and
//            never wait for a writer in progress
//   rwlock   a queued rwlock (the x86 kernel's rwlock_t, kernel/locking/
//            qrwlock.c): readers take the lock, one atomic add and one
//            atomic sub on the lock's line per read, and wait for a writer
// Each read is checked as loops.hpp's run_checked() checks it: the accepted
// snapshot's words must agree (torn_checked), retries counted where the
// primitive retries, waits where it waits.
#pragma once

#include <pokebench/bench/read_tally.hpp>

#include <cstdint>
#include <span>

namespace pokebench::bench {

inline constexpr int kNeighbourMaskWords = 4;  // harness::kNodemaskWords, asserted in bench_neighbours.cpp

struct Neighbour {
  const char* name;  // "seqlock", "latch", "rwlock"
  bool retries;      // its readers retry (seqlock, latch); the rwlock's wait instead
  // n checked reads, summed into `tally`. noinline.
  void (*read)(std::uint64_t n, ReadTally& tally);
  // One update: every word of the nodemask to `value`. The caller masks
  // IRQs (as set_mems_allowed() does) and is the only writer.
  void (*write)(std::uint64_t value);
};

// seqlock, latch, rwlock.
std::span<const Neighbour> neighbours();

// The latch's negative control, for tests only: a reader that takes the copy
// the sequence does not pick (the one being written), with the latch's
// writer.
const Neighbour& broken_latch_neighbour();

}  // namespace pokebench::bench
