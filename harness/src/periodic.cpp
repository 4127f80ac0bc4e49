// The periodic writer loop (periodic.hpp).
#include "periodic.hpp"

#include <pokebench/harness/vcpu.hpp>

#include <time.h>

namespace pokebench::harness::detail {
namespace {

void add_ns(timespec& t, long ns) {
  t.tv_nsec += ns;
  while (t.tv_nsec >= 1'000'000'000) {
    t.tv_nsec -= 1'000'000'000;
    ++t.tv_sec;
  }
}

bool before(const timespec& a, const timespec& b) {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

}  // namespace

void run_every(std::uint64_t period_us, const std::function<void()>& update) {
  const Machine& m = *this_vcpu()->machine;
  timespec next{};
  clock_gettime(CLOCK_MONOTONIC, &next);
  const long period_ns = static_cast<long>(period_us) * 1000;
  while (!m.stop_requested()) {
    update();
    this_vcpu()->progress.fetch_add(1, std::memory_order_relaxed);
    add_ns(next, period_ns);
    for (;;) {
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (m.stop_requested() || !before(now, next)) break;
      timespec step = now;
      add_ns(step, 10'000'000);
      if (before(next, step)) step = next;
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &step, nullptr);
    }
  }
}

}  // namespace pokebench::harness::detail
