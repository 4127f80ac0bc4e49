// sync/<membarrier|ipi|signal>: the price of one "every CPU serialises" step,
// measured with one sibling CPU busy (the reader vCPU of the patch benches).
//   membarrier  one membarrier(PRIVATE_EXPEDITED_SYNC_CORE), what the patcher
//               always does after a protocol step
//   ipi         one on_each_cpu(do_sync_core, wait=1) round over the harness's
//               vCPUs, the kernel's sync (docs/kernel.md §2)
//   signal      one signal round trip to a spinning thread, the fallback where
//               membarrier is missing
#include "families.hpp"
#include "spinner.hpp"

#include <pokebench/bench/counters.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <benchmark/benchmark.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

namespace pokebench::bench::detail {
namespace {

void spin_a_little() {
  for (int i = 0; i < 64; ++i) asm volatile("pause");
}

void BM_sync_membarrier(benchmark::State& state) {
  ScopedPin pin(measuring_cpu());
  Spinner sibling(sibling_cpu(), spin_a_little);
  sibling.wait_running();
  // The patcher registered this process for SYNC_CORE at load time.
  if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) != 0) {
    state.SkipWithError(("membarrier(PRIVATE_EXPEDITED_SYNC_CORE) failed: " + std::string(std::strerror(errno)) +
                         " (see 'pokebench selftest')")
                            .c_str());
    return;
  }
  BatchCounters c;
  c.start();
  for (auto _ : state) syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0);
  c.stop();
  c.publish(state, static_cast<double>(state.iterations()));
}

void BM_sync_ipi(benchmark::State& state) {
  harness::MachineConfig cfg;
  cfg.csd_timeout = std::chrono::milliseconds(5000);
  harness::Machine machine(cfg);
  // One reader vCPU, IRQs enabled; this thread measures on the other CPU.
  const harness::Vcpu& reader = machine.start_vcpu("reader", [](harness::Vcpu& v) {
    while (!v.machine->stop_requested()) spin_a_little();
  });
  ScopedPin pin(cpu_other_than(reader.host_cpu));
  BatchCounters c;
  c.start();
  for (auto _ : state) machine.on_each_cpu(harness::do_sync_core, nullptr, "do_sync_core");
  c.stop();
  c.publish(state, static_cast<double>(state.iterations()));
  state.counters["ipis"] =
      benchmark::Counter(static_cast<double>(machine.ipis_sent()), benchmark::Counter::kAvgIterations);
  machine.request_stop();
  machine.join_all();
}

// Signal round trip: the handler acknowledges by copying the request number.
std::atomic<std::uint64_t> g_sig_request{0};
std::atomic<std::uint64_t> g_sig_ack{0};
constexpr int kSyncSignalOffset = 5;  // SIGRTMIN+5: the harness IPI uses SIGRTMIN+3

void on_sync_signal(int) {
  // Acquire/release pair with the sender: the ack says the handler ran after
  // the request was published.
  g_sig_ack.store(g_sig_request.load(std::memory_order_acquire), std::memory_order_release);
}

void BM_sync_signal(benchmark::State& state) {
  const int sig = SIGRTMIN + kSyncSignalOffset;
  struct sigaction sa {
  }, old{};
  sa.sa_handler = on_sync_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(sig, &sa, &old);
  {
    ScopedPin pin(measuring_cpu());
    Spinner target(sibling_cpu(), spin_a_little);
    target.wait_running();
    BatchCounters c;
    c.start();
    for (auto _ : state) {
      const std::uint64_t req = g_sig_request.fetch_add(1, std::memory_order_release) + 1;
      pthread_kill(target.native_handle(), sig);
      while (g_sig_ack.load(std::memory_order_acquire) < req) asm volatile("pause");
    }
    c.stop();
    c.publish(state, static_cast<double>(state.iterations()));
  }
  sigaction(sig, &old, nullptr);
}

}  // namespace

void register_sync_benchmarks() {
  benchmark::RegisterBenchmark("sync/membarrier", BM_sync_membarrier)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("sync/ipi", BM_sync_ipi)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("sync/signal", BM_sync_signal)->Unit(benchmark::kMicrosecond);
}

}  // namespace pokebench::bench::detail
