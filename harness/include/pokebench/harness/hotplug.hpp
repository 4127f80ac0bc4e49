// CPU hotplug on the emulated machine: vCPUs that go offline and come online
// at run time, in the order kernel/cpu.c brings them (v4.19's cpuhp state
// machine, written here in our own words; see docs/hotplug.md).
//
//   cpu_up(n), on the control CPU (the caller):
//     cpu_maps_update_begin()            cpu_add_remove_lock
//     cpus_write_lock()                  cpu_hotplug_lock, for writing
//     prepare callbacks                  CPUHP_BP_PREPARE_DYN, control CPU
//     the target: starting callbacks     CPUHP_AP_ONLINE... _STARTING, IRQs masked
//                 set online             set_cpu_online(): IPIs reach it now
//     the target's hotplug thread:       CPUHP_AP_ONLINE_DYN (cpuhp/n)
//                 online callbacks, then set active
//     cpus_write_unlock(), cpu_maps_update_done()
//
//   cpu_down(n), the same in reverse:
//     cpu_maps_update_begin(), cpus_write_lock(), clear active
//     the target's hotplug thread: offline callbacks
//     the target: dying callbacks with IRQs masked, clear online, run the
//                 calls still queued (smpcfd_dying_cpu), park
//     dead callbacks on the control CPU  CPUHP_BP_PREPARE_DYN teardown
//     cpus_write_unlock()
//     post-dead callbacks                CPU_POST_DEAD: after the hotplug lock
//     cpu_maps_update_done()             is dropped (v3.14's _cpu_down)
//
// Startup callbacks run in registration order, teardown in reverse. The
// callback list is changed only under cpu_add_remove_lock (the notifier
// chain's rule: register_cpu_notifier takes it, __register_cpu_notifier
// expects it held). An offline vCPU runs nothing: it parks, and on_each_cpu
// skips it. The control CPU waits for the target through a Completion, so
// the lock-order checker sees "cpu_hotplug_lock -> cpuhp/n" and a callback
// taking cpus_read_lock() on the target closes that cycle.
#pragma once

#include <pokebench/harness/lockdep.hpp>
#include <pokebench/harness/vcpu.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pokebench::harness {

// What a subsystem registers (a CPU notifier / a cpuhp_setup_state pair):
// any of the callbacks may be empty.
struct CpuhpCallbacks {
  std::string name;
  std::function<void(unsigned cpu)> prepare, starting, online;        // cpu_up
  std::function<void(unsigned cpu)> offline, dying, dead, post_dead;  // cpu_down
};

class CpuHotplug {
 public:
  static constexpr unsigned kMaxCpus = 64;
  // Starts `ncpus` hotpluggable vCPUs on `m` (all possible and present);
  // those in `online_at_start` (a bit per CPU) start online and active.
  // `work`, if set, is what an online vCPU runs between hotplug requests
  // (one short step per call); otherwise it idles in short sleeps.
  CpuHotplug(Machine& m, LockDep& dep, unsigned ncpus, std::uint64_t online_at_start,
             std::function<void(unsigned cpu)> work = {});
  ~CpuHotplug();
  CpuHotplug(const CpuHotplug&) = delete;
  CpuHotplug& operator=(const CpuHotplug&) = delete;

  unsigned nr_cpu_ids() const noexcept { return ncpus_; }
  std::uint64_t cpu_possible_mask() const noexcept { return possible_; }
  std::uint64_t cpu_present_mask() const noexcept { return possible_; }
  std::uint64_t cpu_online_mask() const noexcept { return online_.load(std::memory_order_acquire); }
  std::uint64_t cpu_active_mask() const noexcept { return active_.load(std::memory_order_acquire); }
  bool cpu_online(unsigned cpu) const noexcept { return (cpu_online_mask() >> cpu) & 1; }
  bool cpu_active(unsigned cpu) const noexcept { return (cpu_active_mask() >> cpu) & 1; }
  unsigned num_online_cpus() const noexcept;
  // Walks the live online mask one bit at a time, as the kernel's
  // for_each_online_cpu does: a CPU that changes meanwhile may or may not be seen.
  void for_each_online_cpu(const std::function<void(unsigned cpu)>& f) const;

  // 0, or -EINVAL (no such CPU, already in that state), -EBUSY (the last online CPU).
  int cpu_up(unsigned cpu);
  int cpu_down(unsigned cpu);

  // The two hotplug locks.
  void cpu_maps_update_begin() { add_remove_lock_.lock(); }
  void cpu_maps_update_done() { add_remove_lock_.unlock(); }
  void cpus_read_lock() { hotplug_lock_.down_read(); }
  void cpus_read_unlock() { hotplug_lock_.up_read(); }
  // cpu_hotplug_lock as a patch policy takes it (patcher::Config::cpus_lock):
  // a key change through that policy holds it for reading from its first
  // sync to its last, so no CPU comes up or goes down in between; the
  // _cpuslocked forms check the caller holds it. Valid while this object lives.
  patcher::Config::CpusLock patch_lock();
  Mutex& cpu_add_remove_lock() noexcept { return add_remove_lock_; }
  PercpuRwsem& cpu_hotplug_lock() noexcept { return hotplug_lock_; }

  // The notifier chain. register_ takes cpu_add_remove_lock itself; the __
  // forms expect the caller to hold it and refuse (-EPERM) if it does not.
  // Registering calls no callback for the CPUs already online (the
  // notifier API's rule; cpuhp_setup_state_nocalls in later kernels).
  int register_cpu_notifier(CpuhpCallbacks* cb);
  int __register_cpu_notifier(CpuhpCallbacks* cb);
  int unregister_cpu_notifier(CpuhpCallbacks* cb);
  int __unregister_cpu_notifier(CpuhpCallbacks* cb);

  // Called on the control CPU at named points of cpu_up/cpu_down (for
  // deterministic scenarios, and for work a scenario adds to _cpu_up/_cpu_down):
  // "cpu_up:prepared", "cpu_up:online" (online callbacks done, hotplug lock
  // still held), "cpu_up:unlocked", "cpu_down:dead", "cpu_down:unlocked".
  std::function<void(const char* point, unsigned cpu)> hook;

  Vcpu& vcpu(unsigned cpu) noexcept;
  LockDep& lockdep() noexcept { return dep_; }
  std::uint64_t ups() const noexcept { return ups_.load(std::memory_order_relaxed); }
  std::uint64_t downs() const noexcept { return downs_.load(std::memory_order_relaxed); }
  // One line per CPU: online/active, what its hotplug thread is doing.
  std::string describe() const;

 private:
  enum Request : int { kNone, kBringup, kOnlineStates, kOfflineStates, kTakeDown };
  struct PerCpu;
  void ap_main(unsigned cpu, Vcpu& self);
  void ap_run(unsigned cpu, Request r);
  void kick_and_wait(unsigned cpu, Request r);
  void set_bit(std::atomic<std::uint64_t>& mask, unsigned cpu, bool on) noexcept;
  void at(const char* point, unsigned cpu) {
    if (hook) hook(point, cpu);
  }

  Machine& m_;
  LockDep& dep_;
  unsigned ncpus_;
  std::uint64_t possible_;
  std::function<void(unsigned)> work_;
  Mutex add_remove_lock_;
  PercpuRwsem hotplug_lock_;
  std::atomic<std::uint64_t> online_{0}, active_{0};
  std::vector<std::unique_ptr<PerCpu>> pcpu_;
  std::vector<CpuhpCallbacks*> chain_;  // guarded by cpu_add_remove_lock
  std::atomic<std::uint64_t> ups_{0}, downs_{0};
};

}  // namespace pokebench::harness
