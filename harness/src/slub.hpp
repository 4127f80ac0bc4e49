// The slub scenario's moving parts (private to the harness): the task's
// mems_allowed (seqcount + multi-word nodemask), the get_any_partial()-shaped
// readers with their instrumentation probe, the set_mems_allowed() writer.
#pragma once

#include <pokebench/harness/cpuset.hpp>
#include <pokebench/harness/oracles.hpp>
#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/seqcount.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pokebench::harness::slub {

// nodemask_t of a machine with 4 x 64 nodes; every update writes the same
// value to every word, so words that disagree are a torn read.
inline constexpr int kNodemaskWords = 4;
struct nodemask_t {
  std::atomic<std::uint64_t> bits[kNodemaskWords];
};

// One reader vCPU, as others see it (relaxed atomics: observations only, except
// hold_ack which is a handshake, see World).
struct ReaderState {
  Vcpu* cpu = nullptr;
  std::atomic<const char*> fn{nullptr};       // reader function inside its loop, nullptr outside
  std::atomic<std::uint64_t> loop_iter{0};    // begin() calls of the current loop
  std::atomic<unsigned> cookie{0};            // what the last begin() returned
  std::atomic<bool> in_det_section{false};    // deterministic IRQ-off section
  std::atomic<std::uint64_t> hold_ack{0};     // last hold request acknowledged in-section
  std::atomic<bool> parked{false};
  // Oracle counters, written by this reader only.
  std::atomic<std::uint64_t> checked{0}, unchecked{0}, unchecked_inflight{0}, torn{0}, max_retries{0}, loops{0};
};

// Everything a child's threads share.
struct World {
  const ScenarioConfig* cfg = nullptr;
  seqcount_t mems_allowed_seq;   // current->mems_allowed_seq
  nodemask_t mems_allowed{};     // current->mems_allowed
  std::atomic<std::uint64_t> writes{0};

  // Deterministic holds. Observer (patching thread) before a write:
  //   hold_req = R (release), wait until every reader's hold_ack >= R
  //   (acquire; pairs with the reader's release store of hold_ack), write,
  //   then write_done = R (release; pairs with the reader's acquire load).
  // A reader acknowledges only while in a deterministic IRQ-off section, and
  // leaves it only once write_done has caught up with what it acknowledged
  // and it completed irqoff_loops passes after the latest write.
  std::atomic<bool> det_active{false};
  std::atomic<std::uint64_t> hold_req{0};
  std::atomic<std::uint64_t> write_done{0};

  // Parking (the reverse transition of a stress trial): park_req set by the
  // toggler (release), readers answer parked=true (release) and spin with
  // IRQs on, outside any loop, until park_req is cleared.
  std::atomic<bool> park_req{false};

  std::vector<std::unique_ptr<ReaderState>> readers;
};

// The instrumentation policy the harness plugs into the reader loop.
struct HarnessProbe {
  World* w;
  ReaderState* st;
  std::uint64_t iter = 0;
  bool begin_read = false; // last begin() read the sequence
  bool checked = false;    // last retry() validated that sequence

  [[gnu::always_inline]] void on_begin(bool read_seq, unsigned value) noexcept {
    ++iter;
    begin_read = read_seq;
    st->loop_iter.store(iter, std::memory_order_relaxed);
    st->cookie.store(value, std::memory_order_relaxed);
    ack_hold(*w, *st);
  }
  [[gnu::always_inline]] void on_retry(bool did_check, bool) noexcept { checked = begin_read && did_check; }

  // Acknowledge a hold request while inside a deterministic section; works
  // even in a loop that never terminates (the kernel's patcher would go on
  // writing while a CPU spins, so ours must too).
  [[gnu::always_inline]] static void ack_hold(World& w, ReaderState& st) noexcept {
    if (!st.in_det_section.load(std::memory_order_relaxed)) return;
    // Acquire pairs with the observer's release store of hold_req.
    const std::uint64_t r = w.hold_req.load(std::memory_order_acquire);
    // Release pairs with the observer's acquire load: "I am in an IRQ-off
    // section and will stay until write R is done".
    if (st.hold_ack.load(std::memory_order_relaxed) != r) st.hold_ack.store(r, std::memory_order_release);
  }
};

// One pass: each reader function (an inlined copy of the loop, so its own
// begin and retry sites) runs one complete begin/retry loop.
using PassFn = void (*)(World&, ReaderState&);
PassFn reader_pass(cpuset::Strategy s);

// Where the reader functions of a strategy start (for naming sites when the
// executable exports no symbols): {address, name}.
std::vector<std::pair<const void*, const char*>> reader_functions(cpuset::Strategy s);

// set_mems_allowed(): one seqcount-protected update of the nodemask, with IRQs masked.
void set_mems_allowed(World& w, std::uint64_t value, unsigned work);

// vCPU bodies.
void reader_main(World& w, ReaderState& st);
void writer_main(World& w, Vcpu& self);

} // namespace pokebench::harness::slub
