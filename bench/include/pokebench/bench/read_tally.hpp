// What a writer benchmark's reads saw (loops.hpp's run_checked(), the
// kernel's neighbours in neighbours.hpp). No other header: neighbours.cpp
// includes the kernel's C headers, whose macros (cpu_relax,
// local_irq_save) the harness's headers would clash with.
#pragma once

#include <cstdint>

namespace pokebench::bench {

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
  std::uint64_t waited = 0;          // reads that waited for a writer (the rwlock's slow path)
};

}  // namespace pokebench::bench
