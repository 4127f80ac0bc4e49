// What a trial child and its supervising parent share (in the Boost.Interprocess
// segment). Plain data and lock-free atomics only: both processes map it.
//
// Ordering: the child writes its records (oracles, report, error text) and
// then stores `status` with release; the parent loads `status` with acquire
// before reading them.
#pragma once

#include <pokebench/harness/oracles.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace pokebench::harness::detail {

enum ChildStatus : int { kRunning = 0, kDone = 1, kHang = 2, kError = 3 };

struct SharedTrialState {
  std::atomic<int> status{kRunning};
  std::atomic<std::uint64_t> heartbeat{0};         // bumped by the toggler at every protocol step
  std::atomic<std::uint64_t> transitions_done{0};  // tested transitions completed (stress)
  std::atomic<std::uint64_t> hang_transition{0};   // index of the transition that hung
  std::atomic<std::int64_t> hang_detected_ns{0};   // CLOCK_MONOTONIC
  // Patcher position, kept current by the observer (for a report written by
  // the parent when the child stops answering without one).
  std::atomic<std::uint32_t> pos_index{0}, pos_count{0}, pos_phase{0}, pos_step{0};
  Oracles oracles;  // valid once status != kRunning
  char pin_warning[512]{};
  char error[2048]{};
  int error_errno = 0;  // the errno of a std::system_error the child failed with, else 0
  char report[48 * 1024]{};

  static void put(char* dst, std::size_t cap, const char* src) noexcept {
    std::strncpy(dst, src, cap - 1);
    dst[cap - 1] = '\0';
  }
};

}  // namespace pokebench::harness::detail
