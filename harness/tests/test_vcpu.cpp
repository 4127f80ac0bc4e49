// vCPUs: the soft IRQ mask, IPIs by signal, on_each_cpu and its watchdog; seqcount.
#include <pokebench/kernel/irq_hook.h>
#include <pokebench/harness/seqcount.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace pokebench::harness {
namespace {

std::atomic<int> g_calls{0};
void count_call(void*) { g_calls.fetch_add(1); }
void record_irqs_state(void* out) { static_cast<std::atomic<int>*>(out)->store(irqs_disabled() ? 1 : 2); }

TEST(Vcpu, IpiRunsAtOnceWhenIrqsAreOn) {
  Machine m;
  m.start_vcpu("idle", [](Vcpu& self) {
    while (!self.machine->stop_requested()) cpu_relax();
  });
  g_calls = 0;
  ASSERT_TRUE(m.on_each_cpu(count_call, nullptr, "count_call"));
  EXPECT_EQ(g_calls.load(), 1);
  EXPECT_GE(m.vcpu(0).ipis_received.load(), 1u);
  EXPECT_EQ(m.vcpu(0).ipis_deferred.load(), 0u);
}

TEST(Vcpu, IpiWhileMaskedStaysPendingUntilIrqEnable) {
  Machine m;
  std::atomic<bool> masked{false}, release{false};
  m.start_vcpu("masker", [&](Vcpu& self) {
    local_irq_disable();
    masked = true;
    while (!release && !self.machine->stop_requested()) cpu_relax();
    local_irq_enable();  // the pending IPI runs here
    while (!self.machine->stop_requested()) cpu_relax();
  });
  while (!masked) cpu_relax();
  g_calls = 0;
  std::atomic<bool> returned{false};
  std::thread sender([&] {
    m.on_each_cpu(count_call, nullptr, "count_call");
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(g_calls.load(), 0) << "the IPI ran with IRQs masked";
  EXPECT_FALSE(returned.load()) << "on_each_cpu returned before the masked vCPU answered";
  EXPECT_GE(m.vcpu(0).ipis_deferred.load(), 1u) << "the signal did not arrive";
  release = true;
  sender.join();
  EXPECT_EQ(g_calls.load(), 1);
}

// Kernel C on a vCPU: <linux/irqflags.h>'s local_irq_save (here its hook,
// as write_seqlock_irqsave calls it) masks the vCPU's soft IRQs, so an IPI
// waits for the matching restore; off a vCPU the hook leaves the harness alone.
TEST(Vcpu, KernelIrqSaveMasksTheVcpu) {
  Machine m;
  std::atomic<bool> masked{false}, release{false}, was_masked{false};
  m.start_vcpu("kernel-c", [&](Vcpu& self) {
    const unsigned long flags = pokebench_local_irq_save();
    was_masked = irqs_disabled() && pokebench_irqs_disabled() != 0;
    masked = true;
    while (!release && !self.machine->stop_requested()) cpu_relax();
    pokebench_local_irq_restore(flags);
    while (!self.machine->stop_requested()) cpu_relax();
  });
  while (!masked) cpu_relax();
  EXPECT_TRUE(was_masked.load());
  g_calls = 0;
  std::thread sender([&] { m.on_each_cpu(count_call, nullptr, "count_call"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(g_calls.load(), 0) << "the IPI ran inside the kernel code's IRQ-off section";
  release = true;
  sender.join();
  EXPECT_EQ(g_calls.load(), 1);
  const unsigned long flags = pokebench_local_irq_save();  // not a vCPU: the per-thread flag only
  EXPECT_NE(pokebench_irqs_disabled(), 0);
  pokebench_local_irq_restore(flags);
  EXPECT_EQ(pokebench_irqs_disabled(), 0);
}

TEST(Vcpu, IpiFunctionRunsWithIrqsMasked) {
  Machine m;
  m.start_vcpu("idle", [](Vcpu& self) {
    while (!self.machine->stop_requested()) cpu_relax();
  });
  std::atomic<int> state{0};
  ASSERT_TRUE(m.on_each_cpu(record_irqs_state, &state, "record"));
  EXPECT_EQ(state.load(), 1);
}

// The race between clearing the mask and a signal arriving: a vCPU flips its
// mask as fast as it can while IPIs rain on it. A lost IPI would leave
// on_each_cpu waiting (the watchdog would abandon it and the test fail).
TEST(Vcpu, NoIpiIsLostAcrossMaskFlips) {
  MachineConfig cfg;
  cfg.csd_timeout = std::chrono::milliseconds(2000);
  Machine m(cfg);
  m.start_vcpu("flipper", [](Vcpu& self) {
    while (!self.machine->stop_requested()) {
      const unsigned long f = local_irq_save();
      for (int i = 0; i < 20; ++i) cpu_relax();
      local_irq_restore(f);
    }
  });
  bool stalled = false;
  m.on_csd_stall = [&](const CsdStall&) {
    stalled = true;
    return false;
  };
  g_calls = 0;
  constexpr int kRounds = 5000;  // one vCPU: two spinning ones would time-slice with us on 2 cores
  for (int i = 0; i < kRounds && !stalled; ++i) ASSERT_TRUE(m.on_each_cpu(count_call, nullptr, "count_call"));
  EXPECT_FALSE(stalled);
  EXPECT_EQ(g_calls.load(), kRounds);
  EXPECT_GT(m.vcpu(0).ipis_deferred.load(), 0u)
      << "no IPI ever hit a masked section: the test did not exercise the race";
}

// Negative control for the watchdog, in-process: a vCPU that never unmasks.
TEST(Vcpu, WatchdogReportsTheVcpuThatDoesNotAnswer) {
  MachineConfig cfg;
  cfg.csd_timeout = std::chrono::milliseconds(50);
  Machine m(cfg);
  m.start_vcpu("idle", [](Vcpu& self) {
    while (!self.machine->stop_requested()) cpu_relax();
  });
  std::atomic<bool> masked{false};
  m.start_vcpu("stuck", [&](Vcpu& self) {
    local_irq_disable();
    masked = true;
    while (!self.machine->stop_requested()) cpu_relax();
  });
  while (!masked) cpu_relax();
  CsdStall seen;
  int stalls = 0;
  m.on_csd_stall = [&](const CsdStall& s) {
    seen = s;
    ++stalls;
    return false;  // abandon: this test is the only one waiting
  };
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(m.on_each_cpu(do_sync_core, nullptr, "do_sync_core"));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(stalls, 1);
  EXPECT_EQ(seen.cpu, 1);
  EXPECT_STREQ(seen.func_name, "do_sync_core");
  EXPECT_GE(seen.waited_ns, 50'000'000);
  EXPECT_LT(waited, std::chrono::seconds(2));
  EXPECT_EQ(m.csd_stalls(), 1u);
}

TEST(Seqcount, BeginWaitsForEvenAndRetrySeesWrites) {
  seqcount_t s;
  s.sequence = 2;
  const unsigned start = read_seqcount_begin(&s);
  EXPECT_EQ(start, 2u);
  EXPECT_FALSE(read_seqcount_retry(&s, start));
  write_seqcount_begin(&s);
  EXPECT_EQ(raw_read_seqcount(&s), 3u);
  EXPECT_TRUE(read_seqcount_retry(&s, start));
  std::atomic<bool> got{false};
  std::thread reader([&] {
    EXPECT_EQ(read_seqcount_begin(&s), 4u);  // spins while 3
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(got.load()) << "read_seqcount_begin returned an odd sequence";
  write_seqcount_end(&s);
  reader.join();
  EXPECT_TRUE(got.load());
}

}  // namespace
}  // namespace pokebench::harness
