// seqcount_t with the kernel's semantics (include/linux/seqlock.h; docs/kernel.md, seqcount).
//
//   reader:  start = read_seqcount_begin(&s);   // spins while odd, then rmb
//            ... read the protected data (relaxed atomics) ...
//            if (read_seqcount_retry(&s, start)) goto again;   // rmb, compare
//   writer:  write_seqcount_begin(&s);  // sequence++ (odd), wmb
//            ... write the data (relaxed atomics) ...
//            write_seqcount_end(&s);    // wmb, sequence++ (even)
//
// C++ mapping (Boehm, "Can seqlocks get along with programming language
// memory models?"), x86 emits plain movs for all of it:
//   begin:  load(acquire)                 pairs with the release store in end
//   retry:  fence(acquire), load(relaxed) the fence pairs with the writer's
//           release fence in begin: a reader that saw any data store of a
//           write also sees that write's odd sequence in its retry load
//   w.begin: store(relaxed), fence(release)
//   w.end:   store(release)               data stores happen-before the even value
// The sequence starts at 0 in the kernel; `initial` lets a scenario start at
// the nonzero even value a booted kernel has.
#pragma once

#include <atomic>

namespace pokebench::harness {

struct seqcount_t {
  std::atomic<unsigned> sequence{0};
};

// raw_: one load, no wait for an even value (the kernel's raw_read_seqcount).
[[gnu::always_inline]] inline unsigned raw_read_seqcount(const seqcount_t* s) noexcept {
  // Acquire pairs with the release store in write_seqcount_end.
  return s->sequence.load(std::memory_order_acquire);
}

[[gnu::always_inline]] inline unsigned read_seqcount_begin(const seqcount_t* s) noexcept {
  unsigned ret;
  // Acquire pairs with the release store in write_seqcount_end: data read
  // after this sees at least that write.
  while ((ret = s->sequence.load(std::memory_order_acquire)) & 1u) __builtin_ia32_pause();
  return ret;
}

[[gnu::always_inline]] inline bool read_seqcount_retry(const seqcount_t* s, unsigned start) noexcept {
  // smp_rmb: orders the data loads before the sequence load; pairs with the
  // release fence in write_seqcount_begin.
  std::atomic_thread_fence(std::memory_order_acquire);
  return s->sequence.load(std::memory_order_relaxed) != start;
}

[[gnu::always_inline]] inline void write_seqcount_begin(seqcount_t* s) noexcept {
  s->sequence.store(s->sequence.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  // smp_wmb: the odd value is ordered before the data stores; pairs with
  // the acquire fence in read_seqcount_retry.
  std::atomic_thread_fence(std::memory_order_release);
}

[[gnu::always_inline]] inline void write_seqcount_end(seqcount_t* s) noexcept {
  // smp_wmb + store: release orders the data stores before the even value;
  // pairs with the acquire load in read_seqcount_begin.
  s->sequence.store(s->sequence.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

} // namespace pokebench::harness
