// vCPUs, the soft interrupt mask, IPIs by signal, on_each_cpu and the
// CSD-lock watchdog. The protocol and its memory ordering are described at
// the top of vcpu.hpp.
#include <pokebench/kernel/irq_hook.h>
#include <pokebench/harness/vcpu.hpp>
#include <pokebench/support/diagnostics.hpp>
#include <pokebench/support/signals.hpp>

#include <cpuid.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>
#include <stdexcept>

namespace pokebench::harness {
namespace {

// initial-exec: the signal handler must not call __tls_get_addr.
__thread Vcpu* tls_vcpu __attribute__((tls_model("initial-exec"))) = nullptr;

// The IRQ operations <linux/irqflags.h> calls on a vCPU thread: its soft mask.
const pokebench_irq_ops kVcpuIrqOps = {
    [] { local_irq_disable(); },
    [] { local_irq_enable(); },
    []() -> unsigned long { return local_irq_save(); },
    [](unsigned long flags) { local_irq_restore(flags); },
    []() -> int { return irqs_disabled() ? 1 : 0; },
};

// Run every call queued on `v`. Called with v's IRQs masked, on v's thread
// (from the signal handler or from local_irq_enable/restore).
void flush_smp_call_function_queue(Vcpu* v) noexcept {
  // Acquire pairs with the release CAS of every sender's llist push: the
  // csd's func/info written before the push are visible here.
  call_single_data* list = v->call_queue.exchange(nullptr, std::memory_order_acquire);
  // llist_del_all returns newest first; run in arrival order as the kernel does.
  call_single_data* fifo = nullptr;
  while (list) {
    call_single_data* next = list->next;
    list->next = fifo;
    fifo = list;
    list = next;
  }
  while (fifo) {
    call_single_data* next = fifo->next;  // read before unlock: the sender may free it
    fifo->func(fifo->info);
    v->calls_run.fetch_add(1, std::memory_order_relaxed);
    // csd_unlock. Release pairs with the acquire load in csd_lock_wait: what
    // func did (the sync_core) happens-before the sender's return.
    fifo->locked.store(false, std::memory_order_release);
    fifo = next;
  }
}

// Run pending IPIs after the mask was cleared, with IRQs masked while they run
// (the kernel runs IPI handlers with interrupts off), until none are left.
void run_pending_ipis(Vcpu* v) noexcept {
  for (;;) {
    v->irqs_masked.store(true, std::memory_order_relaxed);
    // Compiler-only: the handler (same thread) must see the mask set before
    // we touch the queue; a signal arriving now defers to us.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    flush_smp_call_function_queue(v);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    v->irqs_masked.store(false, std::memory_order_relaxed);
    // Pairs with the handler's load of irqs_masked: from here on a signal
    // runs the queue itself, so only a call that arrived while we held the
    // mask (its signal deferred) can still be waiting: look once more.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (v->call_queue.load(std::memory_order_relaxed) == nullptr) return;
  }
}

void ipi_handler(int, siginfo_t*, void*) {
  const int saved_errno = errno;
  Vcpu* v = tls_vcpu;
  if (v) {
    v->ipis_received.fetch_add(1, std::memory_order_relaxed);
    // Same thread as the code we interrupted: a relaxed load sees its last
    // store to the flag (signal fences on that side order the rest).
    if (v->irqs_masked.load(std::memory_order_relaxed)) {
      // Interrupts off: the call stays queued, local_irq_enable runs it.
      v->ipis_deferred.fetch_add(1, std::memory_order_relaxed);
    } else {
      run_pending_ipis(v);
    }
  }
  errno = saved_errno;
}

void install_ipi_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const int e = support::install_siginfo_handler(ipi_signal(), ipi_handler))
      throw std::runtime_error(std::string("sigaction(") + kIpiSignalName + "): " + std::strerror(e));
  });
}

bool have_serialize() noexcept {
  static const bool has = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return (d & (1u << 14)) != 0;  // CPUID.(EAX=7,ECX=0):EDX[14] SERIALIZE
  }();
  return has;
}

}  // namespace

Vcpu* this_vcpu() noexcept { return tls_vcpu; }
int ipi_signal() noexcept { return SIGRTMIN + 3; }

std::int64_t now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void local_irq_disable() noexcept {
  Vcpu* v = tls_vcpu;
  if (!v) return;
  if (!v->irqs_masked.load(std::memory_order_relaxed)) v->masked_since_ns.store(now_ns(), std::memory_order_relaxed);
  v->irqs_masked.store(true, std::memory_order_relaxed);
  // Compiler-only: the masked section's code stays after the flag is set,
  // as seen by our own signal handler.
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

void local_irq_enable() noexcept {
  Vcpu* v = tls_vcpu;
  if (!v) return;
  // Compiler-only: the section's code stays before the flag is cleared.
  std::atomic_signal_fence(std::memory_order_seq_cst);
  v->irqs_masked.store(false, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  // An IPI whose signal came while masked is still queued: run it now. One
  // arriving after the store above was run by the handler itself.
  if (v->call_queue.load(std::memory_order_relaxed) != nullptr) run_pending_ipis(v);
}

unsigned long local_irq_save() noexcept {
  Vcpu* v = tls_vcpu;
  if (!v) return 0;
  const bool was = v->irqs_masked.load(std::memory_order_relaxed);
  if (!was) local_irq_disable();
  return was ? 1 : 0;
}

void local_irq_restore(unsigned long flags) noexcept {
  if (!flags) local_irq_enable();
}

bool irqs_disabled() noexcept {
  Vcpu* v = tls_vcpu;
  return v && v->irqs_masked.load(std::memory_order_relaxed);
}

void set_vcpu_online() noexcept {
  // Release pairs with the acquire load in on_each_cpu.
  if (Vcpu* v = tls_vcpu) v->online.store(true, std::memory_order_release);
}

void smpcfd_dying_cpu() noexcept {
  Vcpu* v = tls_vcpu;
  if (!v) return;
  // Dekker with on_each_cpu: it raises `senders` then reads `online`; we
  // clear `online` then read `senders` (both seq_cst). Either it sees us
  // offline and sends nothing, or we see it and wait until its push is done.
  v->online.store(false, std::memory_order_seq_cst);
  while (v->senders.load(std::memory_order_seq_cst) != 0) cpu_relax();
  flush_smp_call_function_queue(v);
}

void sync_core() noexcept {
  if (have_serialize()) {
    asm volatile(".byte 0x0f, 0x01, 0xe8" ::: "memory");  // SERIALIZE
  } else {
    unsigned a = 0, b = 0, c = 0, d = 0;
    __cpuid(0, a, b, c, d);  // CPUID serializes (a VM exit under KVM)
    asm volatile("" ::: "memory");
  }
}

void do_sync_core(void*) { sync_core(); }

int Machine::host_cpus() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

Machine::Machine(MachineConfig cfg) : cfg_(cfg) {
  install_ipi_handler();
  on_csd_stall = [](const CsdStall& s) {
    // kernel/smp.c: "csd: Detected non-responsive CSD lock (#1) on CPU#0,
    // waiting 5000000000 ns for CPU#01 do_sync_core(0x0)."
    support::warning("csd: Detected non-responsive CSD lock (#1), waiting {} ns for vCPU#{:02d} {} (IPI #{}).",
                     static_cast<long long>(s.waited_ns), s.cpu, s.func_name,
                     static_cast<unsigned long long>(s.ipi_seq));
    return true;
  };
}

Machine::~Machine() { join_all(); }

void Machine::join_all() {
  request_stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

Vcpu& Machine::start_vcpu(std::string name, std::function<void(Vcpu&)> body) {
  auto v = std::make_unique<Vcpu>();
  Vcpu& ref = *v;
  ref.id = static_cast<int>(vcpus_.size());
  ref.name = std::move(name);
  ref.machine = this;

  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  if (cfg_.pin && !cpus.empty()) {
    ref.host_cpu = cpus[static_cast<std::size_t>(ref.id) % cpus.size()];
    if (static_cast<std::size_t>(ref.id) >= cpus.size())
      pin_warning_ = std::to_string(ref.id + 1) + " vCPUs share " + std::to_string(cpus.size()) +
                     " host CPUs: vCPUs on one host CPU are time-sliced by the scheduler, so a vCPU "
                     "spinning with IRQs masked delays its siblings and timings stretch; verdicts "
                     "still hold (a hang is a loop that cannot exit, not a slow one)";
  }

  std::promise<void> ready;
  auto ready_f = ready.get_future();
  vcpus_.push_back(std::move(v));
  threads_.emplace_back([this, &ref, &ready, body = std::move(body)]() mutable {
    ref.tid = static_cast<pid_t>(syscall(SYS_gettid));
    ref.thread = pthread_self();
    if (pthread_getcpuclockid(pthread_self(), &ref.cpu_clock) != 0) ref.cpu_clock = CLOCK_MONOTONIC;
    if (ref.host_cpu >= 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(ref.host_cpu, &one);
      if (pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0) ref.host_cpu = -1;
    }
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, ipi_signal());
    pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
    tls_vcpu = &ref;
    // Kernel C run on this vCPU (local_irq_save, write_seqlock_irqsave) masks its soft IRQs.
    pokebench_set_thread_irq_ops(&kVcpuIrqOps);
    // Release pairs with the acquire in on_each_cpu: tid/thread are set
    // before anyone may send this vCPU an IPI.
    ref.online.store(true, std::memory_order_release);
    ready.set_value();
    body(ref);
    // Keep answering IPIs until the machine stops: a sync in flight must
    // not wait on a vCPU whose work is done.
    local_irq_enable();
    while (!stop_requested()) {
      if (ref.call_queue.load(std::memory_order_relaxed)) run_pending_ipis(&ref);
      struct timespec ts {
        0, 100'000
      };
      nanosleep(&ts, nullptr);
    }
    ref.online.store(false, std::memory_order_relaxed);
    local_irq_disable();
    flush_smp_call_function_queue(&ref);  // nothing may stay locked
    pokebench_set_thread_irq_ops(nullptr);
    tls_vcpu = nullptr;
  });
  ready_f.wait();
  return ref;
}

namespace {
std::int64_t cpu_time_ns(const Vcpu& v) noexcept {
  timespec ts{};
  if (clock_gettime(v.cpu_clock, &ts) != 0) return 0;
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

bool Machine::csd_lock_wait(call_single_data& csd, Vcpu& target) {
  bool reported = false;
  for (unsigned spins = 0;; ++spins) {
    // Acquire pairs with the release in flush_smp_call_function_queue (csd_unlock).
    if (!csd.locked.load(std::memory_order_acquire)) return true;
    if ((spins & 255) != 255) {
      cpu_relax();
      continue;
    }
    const std::int64_t t = now_ns();
    const std::int64_t waited = t - csd.sent_ns;
    // Spin for the first 50 us (an answering vCPU takes a few); then sleep in
    // short steps: with vCPUs spinning on every host CPU, sched_yield would
    // hand a whole time slice to a spinner sharing our CPU.
    if (waited > 50'000) {
      struct timespec ts {
        0, 10'000
      };
      nanosleep(&ts, nullptr);
    }
    const std::int64_t timeout = std::chrono::nanoseconds(cfg_.csd_timeout).count();
    if (!reported && waited > timeout) {
      // Preempted by the host, or spinning? (See MachineConfig.)
      const std::int64_t ran = cpu_time_ns(target) - csd.target_cpu_ns;
      if (ran < timeout / 2) continue;
      reported = true;
      csd_stalls_.fetch_add(1, std::memory_order_relaxed);
      CsdStall stall{target.id, csd.seq, csd.func_name, waited, ran, t};
      if (on_csd_stall && !on_csd_stall(stall)) return false;
    }
    if (reported) {
      struct timespec ts {
        0, 1'000'000
      };
      nanosleep(&ts, nullptr);
    }
  }
}

bool Machine::on_each_cpu(smp_call_func_t func, void* info, const char* func_name) {
  Vcpu* self = tls_vcpu;
  const std::size_t n = vcpus_.size();
  auto csds = std::make_unique<call_single_data[]>(n);
  const std::int64_t t0 = now_ns();
  for (std::size_t i = 0; i < n; ++i) {
    Vcpu& v = *vcpus_[i];
    if (&v == self) continue;
    // seq_cst: the Dekker pair with smpcfd_dying_cpu (see there). The load
    // also pairs with the release that sets online once tid is known.
    v.senders.fetch_add(1, std::memory_order_seq_cst);
    if (!v.online.load(std::memory_order_seq_cst)) {
      v.senders.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    call_single_data& csd = csds[i];
    csd.func = func;
    csd.info = info;
    csd.func_name = func_name;
    csd.seq = ipi_seq_.fetch_add(1, std::memory_order_relaxed) + 1;
    csd.sent_ns = t0;
    csd.target_cpu_ns = cpu_time_ns(v);
    csd.locked.store(true, std::memory_order_relaxed);  // published by the CAS below
    // llist_add. Release pairs with the acquire exchange in
    // flush_smp_call_function_queue.
    call_single_data* old = v.call_queue.load(std::memory_order_relaxed);
    do {
      csd.next = old;
    } while (!v.call_queue.compare_exchange_weak(old, &csd, std::memory_order_release, std::memory_order_relaxed));
    // Release: the push is done before a dying vCPU's flush may run.
    v.senders.fetch_sub(1, std::memory_order_release);
    // The IPI. The push above is ordered before the signal by the syscall.
    ipis_sent_.fetch_add(1, std::memory_order_relaxed);
    // EAGAIN: the per-user queue of real-time signals is full; try again.
    int err;
    while ((err = pthread_kill(v.thread, ipi_signal())) == EAGAIN) sched_yield();
    if (err != 0) support::error("IPI to vCPU#{:02d}: pthread_kill: {}", v.id, std::strerror(err));
  }
  if (self && self->machine == this) {
    const unsigned long flags = local_irq_save();
    func(info);
    local_irq_restore(flags);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!csds[i].func) continue;
    if (!csd_lock_wait(csds[i], *vcpus_[i])) {
      (void)csds.release();  // a vCPU may still run these: never free them
      return false;
    }
  }
  return true;
}

}  // namespace pokebench::harness
