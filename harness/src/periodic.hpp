// A writer vCPU's body: one update every period, sleeping with IRQs on in
// between. Private to the harness (the slub and C scenarios' writers).
#pragma once

#include <cstdint>
#include <functional>

namespace pokebench::harness::detail {

// Runs `update` every `period_us` on the calling vCPU until its machine
// stops, counting each as progress. Sleeps in steps of at most 10 ms, so a
// long period never delays the end of a trial (the machine joins its vCPUs,
// and the supervisor watches for progress meanwhile). An IPI interrupts the
// sleep (EINTR) and runs, as on an idle CPU.
void run_every(std::uint64_t period_us, const std::function<void()>& update);

}  // namespace pokebench::harness::detail
