// The deterministic hold protocol and reader parking: how the patching
// thread and the reader vCPUs line up without sleeps. Private to the harness.
//
// Holds. The observer (patching thread), before every protocol write:
//   hold_req = R (release); wait until every reader's hold_ack >= R (acquire,
//   pairs with the reader's release store of hold_ack); write; then
//   write_done = R (release, pairs with the reader's acquire load).
// A reader acknowledges only while inside a deterministic IRQ-off section
// (ack_hold, called at every loop entry, so also from a loop that never
// ends), and leaves the section only once write_done has caught up with what
// it acknowledged and it completed irqoff_loops passes after the latest write.
//
// Parking (the reverse transition of a stress trial): park_req set by the
// toggler (release), readers answer parked = true (release) and spin with
// IRQs on, outside any loop, until park_req is cleared.
#pragma once

#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace pokebench::harness::detail {

struct Holds {
  unsigned irqoff_loops = 3;
  std::atomic<bool> det_active{false};
  std::atomic<std::uint64_t> hold_req{0};
  std::atomic<std::uint64_t> write_done{0};
  std::atomic<bool> park_req{false};
};

// Wait until pred() or the timeout; false on timeout. Spins for the first
// 50 us, then sleeps in short steps: on two host CPUs a spinning vCPU may
// share ours, and sched_yield would hand it a whole time slice.
bool wait_until(const std::function<bool()>& pred, std::int64_t timeout_ns);

// A reader vCPU's body: parks on request; otherwise runs IRQ-off sections of
// world.reader_pass() (held across protocol writes in deterministic mode),
// with a window of IRQs on between sections.
void reader_main(Holds& h, ReaderSlot& r, TrialWorld& world, const Machine& m);

// Patching side. hold_readers: publish hold `r` and wait (up to timeout_ns
// each) until every reader acknowledged it; returns the first reader that
// did not, or nullptr.
const ReaderSlot* hold_readers(Holds& h, const std::vector<std::unique_ptr<ReaderSlot>>& readers, std::uint64_t r,
                               std::int64_t timeout_ns);
void release_readers(Holds& h, std::uint64_t r);
// Parks (on) or releases (off) every reader; false if one did not park in time.
bool park_readers(Holds& h, const std::vector<std::unique_ptr<ReaderSlot>>& readers, bool on, std::int64_t timeout_ns);

}  // namespace pokebench::harness::detail
