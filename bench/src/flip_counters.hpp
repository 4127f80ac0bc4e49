// What every row that flips keys reports besides its time (patch/* and
// loop/*/flipping), so that a gate can tell "the protocol changed" from "the
// host is slower":
//   syncs_per_flip, ipis_per_flip, write_windows_per_flip,
//   bytes_written_per_flip   structural, exact for a given configuration
//                            (patcher::Stats, harness::Machine::ipis_sent)
//   ref_units                the row's time per iteration in units of this
//                            process's own sync round trip (sync_reference_us)
//   ref_sync_us              that reference, for the record
#pragma once

#include <pokebench/patcher/patcher.hpp>

#include <cstdint>

namespace benchmark {
class State;
}

namespace pokebench::bench::detail {

// One sync as the patch rows pay it (membarrier SYNC_CORE, then
// on_each_cpu(do_sync_core, wait=1) to one spinning vCPU on the other CPU), in
// microseconds: the median of 9 samples of 200 rounds each, measured once per
// process, when a row first asks for it (so near the rows, under the same
// host conditions).
double sync_reference_us();

struct FlipDelta {
  patcher::Stats before, after;
  std::uint64_t ipis = 0;  // IPIs sent by the rows' Machine during the run (0 without one)
  double flips = 0;        // key transitions
};

// Sets the structural counters (per flip; 0 when nothing flipped) and
// ref_units = us_per_iteration / sync_reference_us().
void publish_flip_counters(benchmark::State& state, const FlipDelta& d, double us_per_iteration);

}  // namespace pokebench::bench::detail
