#include "spinner.hpp"

#include <pthread.h>
#include <sched.h>

#include <cstring>

namespace pokebench::bench {

static_assert(sizeof(cpu_set_t) <= 128);

ScopedPin::ScopedPin(int cpu) noexcept {
  cpu_set_t old;
  if (pthread_getaffinity_np(pthread_self(), sizeof old, &old) != 0) return;
  std::memcpy(old_, &old, sizeof old);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  restored_ = pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

ScopedPin::~ScopedPin() {
  if (!restored_) return;
  cpu_set_t old;
  std::memcpy(&old, old_, sizeof old);
  pthread_setaffinity_np(pthread_self(), sizeof old, &old);
}

Spinner::Spinner(int cpu, std::function<void()> body)
    : thread_([this, cpu, body = std::move(body)] {
        ScopedPin pin(cpu);
        while (!stop_.load(std::memory_order_relaxed)) {
          body();
          // Release pairs with the acquire in wait_running().
          running_.store(true, std::memory_order_release);
        }
      }) {}

Spinner::~Spinner() {
  stop_.store(true, std::memory_order_relaxed);
  thread_.join();
}

void Spinner::wait_running() const noexcept {
  while (!running_.load(std::memory_order_acquire)) std::this_thread::yield();
}

namespace {
// The first two CPUs this process may run on, read once, before any
// benchmark pins the calling thread (the same CPU twice when only one).
struct AllowedCpus {
  int first = 0, second = 0;
  AllowedCpus() noexcept {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return;
    int found = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; ++cpu) {
      if (!CPU_ISSET(cpu, &set)) continue;
      if (found++ == 0) first = cpu;
      second = cpu;
    }
  }
};
const AllowedCpus& allowed_cpus() noexcept {
  static const AllowedCpus cpus;
  return cpus;
}
// Read at load time, before main() can pin anything.
[[gnu::used]] const AllowedCpus& g_allowed_at_load = allowed_cpus();
}  // namespace

int measuring_cpu() noexcept { return allowed_cpus().first; }
int sibling_cpu() noexcept { return allowed_cpus().second; }
int cpu_other_than(int busy) noexcept { return busy == measuring_cpu() ? sibling_cpu() : measuring_cpu(); }

}  // namespace pokebench::bench
