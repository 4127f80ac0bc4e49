// Emulated CPUs: pinned threads with a soft interrupt mask, IPIs by signal,
// and the kernel's on_each_cpu(fn, info, wait=1) with its CSD-lock watchdog.
//
// A vCPU is a thread pinned to one host CPU. Its "interrupts" are one signal
// (kIpiSignal) sent with pthread_kill. The interrupt mask is a per-vCPU flag
// that only the vCPU itself writes (no syscall, no sigprocmask):
//
//   local_irq_disable / save   set the flag
//   local_irq_enable / restore clear it, then run every IPI that arrived
//                              while it was set ("pending")
//   IPI signal handler         flag clear: run the queued calls now;
//                              flag set:   return, the calls stay queued
//
// The queue is the kernel's call_single_queue: a lock-free list each sender
// pushes a call_single_data onto (llist_add) and the target takes whole
// (llist_del_all). The sender's csd stays locked until the target has run the
// function (csd_unlock); on_each_cpu(wait=1) spins on that, and a watchdog
// modelled on kernel/smp.c's csd_lock_wait_toolong() reports a vCPU that has
// not answered within the timeout.
//
// Memory ordering (each site repeats its line):
//   sender llist push (release CAS)   -> target llist_del_all (acquire xchg)
//   target csd_unlock (release store)  -> sender csd_lock_wait (acquire load)
//   irq flag vs. queue on the vCPU: same thread as the signal handler, so
//   compiler-only std::atomic_signal_fence orders them; the cross-thread part
//   (push before pthread_kill) is ordered by the syscall and signal delivery.
#pragma once

#include <pthread.h>
#include <time.h>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace pokebench::harness {

class Machine;
struct Vcpu;

using smp_call_func_t = void (*)(void* info);

// kernel/smp.c's struct __call_single_data.
struct call_single_data {
  call_single_data* next = nullptr;  // llist link, owned by the target's queue
  smp_call_func_t func = nullptr;
  void* info = nullptr;
  const char* func_name = "?";      // for the watchdog report
  std::atomic<bool> locked{false};  // CSD_FLAG_LOCK
  std::uint64_t seq = 0;            // which IPI (global sequence number)
  std::int64_t sent_ns = 0;
  std::int64_t target_cpu_ns = 0;  // target's CPU time when sent
};

// What the CSD-lock watchdog saw: the first vCPU that has not answered.
struct CsdStall {
  int cpu = -1;               // the vCPU that does not answer
  std::uint64_t ipi_seq = 0;  // the IPI it has not run
  const char* func_name = "?";
  std::int64_t waited_ns = 0;
  std::int64_t ran_ns = 0;  // CPU time the silent vCPU consumed meanwhile
  std::int64_t now_ns = 0;
};

// Per-vCPU state. Fields written by the vCPU and read by others (watchdog,
// reports) are relaxed atomics: they are observations, never synchronization.
struct Vcpu {
  int id = 0;
  int host_cpu = -1;  // pinned to, -1 if not pinned
  std::string name;
  pid_t tid = 0;
  pthread_t thread{};
  clockid_t cpu_clock{};  // the thread's CPU-time clock (watchdog)
  // Serving IPIs: set once the thread is ready, cleared when it has stopped.
  std::atomic<bool> online{false};
  // Senders between their check of `online` and their queue push: a dying
  // vCPU waits for them before its last flush (smpcfd_dying_cpu).
  std::atomic<unsigned> senders{0};

  // The soft interrupt mask. Written only by this vCPU (thread and its signal
  // handler), read by others for reports.
  std::atomic<bool> irqs_masked{false};
  std::atomic<std::int64_t> masked_since_ns{0};

  // call_single_queue: head of the llist of pending csds.
  std::atomic<call_single_data*> call_queue{nullptr};

  // Counters (relaxed: statistics only).
  std::atomic<std::uint64_t> ipis_received{0};  // signals taken
  std::atomic<std::uint64_t> ipis_deferred{0};  // signals taken with IRQs masked
  std::atomic<std::uint64_t> calls_run{0};      // csd functions executed
  // Bumped by the vCPU's body as it goes (a liveness probe for reports).
  std::atomic<std::uint64_t> progress{0};

  Machine* machine = nullptr;
};

// The vCPU the calling thread is, or nullptr for a plain thread.
Vcpu* this_vcpu() noexcept;
inline constexpr const char* kIpiSignalName = "SIGRTMIN+3";
int ipi_signal() noexcept;  // SIGRTMIN + 3

std::int64_t now_ns() noexcept;  // CLOCK_MONOTONIC

// Interrupt mask of the calling vCPU (no-ops on a thread that is not a vCPU).
void local_irq_disable() noexcept;
void local_irq_enable() noexcept;
unsigned long local_irq_save() noexcept;  // returns 1 if IRQs were masked
void local_irq_restore(unsigned long flags) noexcept;
bool irqs_disabled() noexcept;

// CPU hotplug on the calling vCPU (harness/src/hotplug.cpp), with its IRQs
// masked. set_vcpu_online: IPIs reach it from now on. smpcfd_dying_cpu
// (kernel/smp.c's CPUHP_AP_SMPCFD_DYING step): IPIs stop reaching it, and
// every call already queued runs now, so no sender waits on a dead vCPU.
void set_vcpu_online() noexcept;
void smpcfd_dying_cpu() noexcept;

// A serializing instruction on the calling CPU (SERIALIZE where the CPU has
// it, CPUID otherwise): the kernel's sync_core().
void sync_core() noexcept;
// The IPI function the patcher's sync sends: sync_core() on each vCPU.
void do_sync_core(void* info);

// The CSD-lock watchdog fires when a vCPU has not run an IPI for
// csd_timeout of wall time AND has itself been on a host CPU for at least
// half of that meanwhile. The second condition is ours, not the kernel's: a
// vCPU is a host thread, and one the host did not schedule (other load, CPU
// quota) is preempted, not hung; one that spins with IRQs masked burns CPU.
struct MachineConfig {
  std::chrono::milliseconds csd_timeout{1000};  // CSD-lock watchdog
  bool pin = true;                              // pin vCPU i to host CPU i % ncpu
};

// A set of vCPUs: the "online CPUs" of on_each_cpu.
class Machine {
 public:
  explicit Machine(MachineConfig cfg = {});
  ~Machine();  // stops and joins every vCPU
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Start a vCPU running `body` (which must return once stop_requested()).
  // Blocks until the thread is pinned and its signal handler ready.
  Vcpu& start_vcpu(std::string name, std::function<void(Vcpu&)> body);

  bool stop_requested() const noexcept { return stop_.load(std::memory_order_relaxed); }
  void request_stop() noexcept { stop_.store(true, std::memory_order_relaxed); }
  void join_all();

  std::size_t size() const noexcept { return vcpus_.size(); }
  Vcpu& vcpu(std::size_t i) noexcept { return *vcpus_[i]; }

  // on_each_cpu(func, info, wait=1): run func on every online vCPU (on the
  // caller too, with IRQs masked, when the caller is a vCPU of this
  // machine) and return once every one has run it. Only the synchronous
  // form exists: it is the one text_poke_bp uses. Returns false only if the
  // stall handler asked to abandon the wait (the csds are then leaked on
  // purpose: a vCPU may still run them later).
  bool on_each_cpu(smp_call_func_t func, void* info, const char* func_name = "?");

  // Called once per stalled wait, on the waiting thread, when a vCPU has not
  // run an IPI within csd_timeout. Return true to keep waiting (the kernel
  // does), false to abandon the wait. Default: print the kernel-style line
  // to stderr and keep waiting.
  std::function<bool(const CsdStall&)> on_csd_stall;

  const MachineConfig& config() const noexcept { return cfg_; }
  std::uint64_t ipis_sent() const noexcept { return ipis_sent_.load(std::memory_order_relaxed); }
  std::uint64_t csd_stalls() const noexcept { return csd_stalls_.load(std::memory_order_relaxed); }
  // Host CPUs this process may run on.
  static int host_cpus() noexcept;
  // Pinning problems found while starting vCPUs (empty when 1:1 pinned).
  const std::string& pinning_warning() const noexcept { return pin_warning_; }

 private:
  bool csd_lock_wait(call_single_data& csd, Vcpu& target);
  MachineConfig cfg_;
  std::vector<std::unique_ptr<Vcpu>> vcpus_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> ipi_seq_{0};
  std::atomic<std::uint64_t> ipis_sent_{0};
  std::atomic<std::uint64_t> csd_stalls_{0};
  std::string pin_warning_;
};

// Spin-wait hint.
inline void cpu_relax() noexcept { __builtin_ia32_pause(); }

}  // namespace pokebench::harness
