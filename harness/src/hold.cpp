// The deterministic hold protocol and parking (see hold.hpp).
#include "hold.hpp"

#include <time.h>

namespace pokebench::harness {

void ack_hold(ReaderSlot& r) noexcept {
  if (!r.in_det_section.load(std::memory_order_relaxed)) return;
  // Acquire pairs with the observer's release store of hold_req.
  const std::uint64_t req = r.holds->hold_req.load(std::memory_order_acquire);
  // Release pairs with the observer's acquire load: "I am in an IRQ-off
  // section and will stay until write `req` is done".
  if (r.hold_ack.load(std::memory_order_relaxed) != req) r.hold_ack.store(req, std::memory_order_release);
}

namespace detail {
namespace {

// A deterministic IRQ-off section: stay while a write we were held for is
// pending, and until irqoff_loops passes completed after the latest write.
void det_section(Holds& h, ReaderSlot& r, TrialWorld& world, const Machine& m) {
  r.in_det_section.store(true, std::memory_order_relaxed);
  ack_hold(r);
  // Acquire pairs with the observer's release store after each write.
  std::uint64_t seen = h.write_done.load(std::memory_order_acquire);
  unsigned after = 0;
  for (;;) {
    world.reader_pass(r);
    ack_hold(r);
    const std::uint64_t done = h.write_done.load(std::memory_order_acquire);
    if (done != seen) {  // a write landed during that pass: count from here
      seen = done;
      after = 0;
      continue;
    }
    if (++after >= h.irqoff_loops && r.hold_ack.load(std::memory_order_relaxed) <= done) break;
    if (m.stop_requested()) break;
  }
  r.in_det_section.store(false, std::memory_order_relaxed);
}

}  // namespace

bool wait_until(const std::function<bool()>& pred, std::int64_t timeout_ns) {
  const std::int64_t t0 = now_ns();
  for (unsigned i = 0;; ++i) {
    if (pred()) return true;
    if ((i & 63) != 63) {
      cpu_relax();
      continue;
    }
    const std::int64_t waited = now_ns() - t0;
    if (waited > timeout_ns) return false;
    if (waited > 50'000) {
      struct timespec ts {
        0, 10'000
      };
      nanosleep(&ts, nullptr);
    }
  }
}

void reader_main(Holds& h, ReaderSlot& r, TrialWorld& world, const Machine& m) {
  while (!m.stop_requested()) {
    // Acquire pairs with the toggler's release store of park_req.
    if (h.park_req.load(std::memory_order_acquire)) {
      // Release pairs with the toggler's acquire load: we are out of any loop.
      r.parked.store(true, std::memory_order_release);
      while (h.park_req.load(std::memory_order_acquire) && !m.stop_requested()) {  // IRQs on: IPIs run
        r.cpu->progress.fetch_add(1, std::memory_order_relaxed);
        cpu_relax();
      }
      r.parked.store(false, std::memory_order_relaxed);
      continue;
    }
    // e.g. __slab_alloc(): local_irq_save(); ... get_any_partial() ...; local_irq_restore()
    const unsigned long flags = local_irq_save();
    if (h.det_active.load(std::memory_order_acquire)) {
      det_section(h, r, world, m);
    } else {
      for (unsigned i = 0; i < h.irqoff_loops; ++i) world.reader_pass(r);
    }
    local_irq_restore(flags);
    for (int i = 0; i < 64; ++i) cpu_relax();  // a window with IRQs on
  }
}

const ReaderSlot* hold_readers(Holds& h, const std::vector<std::unique_ptr<ReaderSlot>>& readers, std::uint64_t r,
                               std::int64_t timeout_ns) {
  h.hold_req.store(r, std::memory_order_release);  // pairs with ack_hold's acquire
  for (const auto& rs : readers)
    // Acquire pairs with the reader's release store of hold_ack.
    if (!wait_until([&] { return rs->hold_ack.load(std::memory_order_acquire) >= r; }, timeout_ns)) return rs.get();
  return nullptr;
}

void release_readers(Holds& h, std::uint64_t r) {
  h.write_done.store(r, std::memory_order_release);  // pairs with det_section's acquire
}

bool park_readers(Holds& h, const std::vector<std::unique_ptr<ReaderSlot>>& readers, bool on, std::int64_t timeout_ns) {
  h.park_req.store(on, std::memory_order_release);  // pairs with reader_main's acquire
  if (!on) return true;
  for (const auto& rs : readers)
    if (!wait_until([&] { return rs->parked.load(std::memory_order_acquire); }, timeout_ns)) return false;
  return true;
}

}  // namespace detail
}  // namespace pokebench::harness
