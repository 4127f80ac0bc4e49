// A sibling thread that keeps running code while a benchmark measures a sync
// or a flip: membarrier, IPIs and signals cost more when another CPU is busy
// (docs/measuring.md §4: membarrier 0.2 us alone, ~2 us with one spinning sibling).
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace pokebench::bench {

// Pins the calling thread to `cpu` for its lifetime and restores the old mask.
class ScopedPin {
 public:
  explicit ScopedPin(int cpu) noexcept;
  ~ScopedPin();
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;

 private:
  bool restored_ = false;
  unsigned char old_[128]{};  // cpu_set_t storage
};

class Spinner {
 public:
  // Runs `body` in a loop on a thread pinned to `cpu` until destroyed.
  Spinner(int cpu, std::function<void()> body);
  ~Spinner();
  Spinner(const Spinner&) = delete;
  Spinner& operator=(const Spinner&) = delete;

  std::thread::native_handle_type native_handle() { return thread_.native_handle(); }
  // Waits until the thread has run `body` at least once.
  void wait_running() const noexcept;

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::thread thread_;
};

// The CPU for the measuring thread and the one for the sibling: 0 and 1 on
// this 2-vCPU machine (the first two allowed CPUs); the same CPU when only one
// is allowed (then the numbers mean little).
int measuring_cpu() noexcept;
int sibling_cpu() noexcept;
// An allowed CPU other than `busy` (a vCPU's host CPU), or `busy` itself when
// there is only one.
int cpu_other_than(int busy) noexcept;

}  // namespace pokebench::bench
