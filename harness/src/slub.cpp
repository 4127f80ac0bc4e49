// get_any_partial() and its siblings (mm/slub.c, mm/slab.c, mm/hugetlb.c,
// mm/page_alloc.c all loop on read_mems_allowed_begin/retry), the
// set_mems_allowed() writer, and the reader/writer vCPU bodies.
#include "slub.hpp"

#include <time.h>

#include <algorithm>
#include <cerrno>

namespace pokebench::harness::slub {
namespace {

// Walk the zonelist: look at each node word of mems_allowed (the "try each
// allowed node's partial list" part), with some work per node.
[[gnu::always_inline]] inline void walk_zonelist(World& w, ReaderState& st, std::uint64_t (&snap)[kNodemaskWords]) {
  st.cpu->progress.fetch_add(1, std::memory_order_relaxed);
  const unsigned per_word = w.cfg->work_per_loop / kNodemaskWords;
  for (int i = 0; i < kNodemaskWords; ++i) {
    // Relaxed: ordered by the seqcount's fences (seqcount.hpp).
    snap[i] = w.mems_allowed.bits[i].load(std::memory_order_relaxed);
    for (unsigned k = 0; k < per_word; ++k) cpu_relax();
  }
}

// The loop and its oracles. always_inline: every caller below owns a copy of
// the begin and retry sites.
template <class S>
[[gnu::always_inline]] inline void mems_allowed_reader(World& w, ReaderState& st, const char* fn) {
  HarnessProbe probe{&w, &st};
  std::uint64_t snap[kNodemaskWords];
  const unsigned seq0 = raw_read_seqcount(&w.mems_allowed_seq);
  st.fn.store(fn, std::memory_order_relaxed);
  cpuset::mems_allowed_loop<S>(&w.mems_allowed_seq, probe, [&] { walk_zonelist(w, st, snap); });
  st.fn.store(nullptr, std::memory_order_relaxed);

  bool agree = true;
  for (int i = 1; i < kNodemaskWords; ++i) agree = agree && snap[i] == snap[0];
  auto bump = [](std::atomic<std::uint64_t>& c) { c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); };
  bump(st.loops);
  if (probe.checked) {
    bump(st.checked);
    if (!agree) bump(st.torn); // a validated sequence, yet inconsistent data
  } else {
    bump(st.unchecked);
    const unsigned seq1 = raw_read_seqcount(&w.mems_allowed_seq);
    if (!agree || seq1 != seq0 || (seq0 & 1u)) bump(st.unchecked_inflight);
  }
  if (probe.iter - 1 > st.max_retries.load(std::memory_order_relaxed))
    st.max_retries.store(probe.iter - 1, std::memory_order_relaxed);
}

// The callers. noinline: each is one function with its own sites, as the
// kernel's are.
template <class S>
[[gnu::noinline]] void get_any_partial(World& w, ReaderState& st) {
  mems_allowed_reader<S>(w, st, "get_any_partial");
}
template <class S>
[[gnu::noinline]] void fallback_alloc(World& w, ReaderState& st) {
  mems_allowed_reader<S>(w, st, "fallback_alloc");
}
template <class S>
[[gnu::noinline]] void dequeue_huge_page_vma(World& w, ReaderState& st) {
  mems_allowed_reader<S>(w, st, "dequeue_huge_page_vma");
}
template <class S>
[[gnu::noinline]] void alloc_pages_slowpath(World& w, ReaderState& st) {
  mems_allowed_reader<S>(w, st, "__alloc_pages_slowpath");
}

template <class S>
void pass(World& w, ReaderState& st) {
  get_any_partial<S>(w, st);
  fallback_alloc<S>(w, st);
  dequeue_huge_page_vma<S>(w, st);
  alloc_pages_slowpath<S>(w, st);
}

// Deterministic IRQ-off section (see World): stay while a write we were held
// for is pending, and until irqoff_loops passes completed after the latest write.
void det_section(World& w, ReaderState& st, PassFn one_pass, const Machine& m) {
  st.in_det_section.store(true, std::memory_order_relaxed);
  HarnessProbe::ack_hold(w, st);
  // Acquire pairs with the observer's release store after each write.
  std::uint64_t seen = w.write_done.load(std::memory_order_acquire);
  unsigned after = 0;
  for (;;) {
    one_pass(w, st);
    HarnessProbe::ack_hold(w, st);
    const std::uint64_t done = w.write_done.load(std::memory_order_acquire);
    if (done != seen) { // a write landed during that pass: count from here
      seen = done;
      after = 0;
      continue;
    }
    if (++after >= w.cfg->irqoff_loops && st.hold_ack.load(std::memory_order_relaxed) <= done) break;
    if (m.stop_requested()) break;
  }
  st.in_det_section.store(false, std::memory_order_relaxed);
}

} // namespace

PassFn reader_pass(cpuset::Strategy s) {
  return cpuset::with_strategy(s, []<class S>() -> PassFn { return &pass<S>; });
}

std::vector<std::pair<const void*, const char*>> reader_functions(cpuset::Strategy s) {
  return cpuset::with_strategy(s, []<class S>() {
    return std::vector<std::pair<const void*, const char*>>{
        {reinterpret_cast<const void*>(&get_any_partial<S>), "get_any_partial"},
        {reinterpret_cast<const void*>(&fallback_alloc<S>), "fallback_alloc"},
        {reinterpret_cast<const void*>(&dequeue_huge_page_vma<S>), "dequeue_huge_page_vma"},
        {reinterpret_cast<const void*>(&alloc_pages_slowpath<S>), "__alloc_pages_slowpath"}};
  });
}

void set_mems_allowed(World& w, std::uint64_t value, unsigned work) {
  const unsigned long flags = local_irq_save();
  write_seqcount_begin(&w.mems_allowed_seq);
  for (int i = 0; i < kNodemaskWords; ++i) {
    // Relaxed: ordered by write_seqcount_begin/end's fences.
    w.mems_allowed.bits[i].store(value, std::memory_order_relaxed);
    for (unsigned k = 0; k < work / kNodemaskWords; ++k) cpu_relax();
  }
  write_seqcount_end(&w.mems_allowed_seq);
  local_irq_restore(flags);
  w.writes.fetch_add(1, std::memory_order_relaxed);
}

void reader_main(World& w, ReaderState& st) {
  const PassFn one_pass = reader_pass(w.cfg->strategy);
  const Machine& m = *st.cpu->machine;
  while (!m.stop_requested()) {
    // Acquire pairs with the toggler's release store of park_req.
    if (w.park_req.load(std::memory_order_acquire)) {
      // Release pairs with the toggler's acquire load: we are out of any loop.
      st.parked.store(true, std::memory_order_release);
      while (w.park_req.load(std::memory_order_acquire) && !m.stop_requested()) { // IRQs on: IPIs run
        st.cpu->progress.fetch_add(1, std::memory_order_relaxed);
        cpu_relax();
      }
      st.parked.store(false, std::memory_order_relaxed);
      continue;
    }
    // __slab_alloc(): local_irq_save(); ... get_any_partial() ...; local_irq_restore()
    const unsigned long flags = local_irq_save();
    if (w.det_active.load(std::memory_order_acquire)) {
      det_section(w, st, one_pass, m);
    } else {
      for (unsigned i = 0; i < w.cfg->irqoff_loops; ++i) one_pass(w, st);
    }
    local_irq_restore(flags);
    for (int i = 0; i < 64; ++i) cpu_relax(); // a window with IRQs on
  }
}

void writer_main(World& w, Vcpu&) {
  const Machine& m = *this_vcpu()->machine;
  std::uint64_t value = w.mems_allowed.bits[0].load(std::memory_order_relaxed);
  timespec next{};
  clock_gettime(CLOCK_MONOTONIC, &next);
  const long period_ns = static_cast<long>(w.cfg->writer_period_us) * 1000;
  while (!m.stop_requested()) {
    // cpuset_change_task_nodemask() -> set_mems_allowed()
    set_mems_allowed(w, ++value, w.cfg->work_per_loop);
    this_vcpu()->progress.fetch_add(1, std::memory_order_relaxed);
    next.tv_nsec += period_ns;
    while (next.tv_nsec >= 1'000'000'000) {
      next.tv_nsec -= 1'000'000'000;
      ++next.tv_sec;
    }
    // Sleeping with IRQs on: an IPI interrupts the sleep (EINTR) and runs.
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr) == EINTR && !m.stop_requested()) {
    }
  }
}

} // namespace pokebench::harness::slub
