// CPU hotplug on the emulated machine: the control side (cpu_up, cpu_down,
// the notifier chain) and the target side (each hotpluggable vCPU's body).
// The sequence is at the top of include/pokebench/harness/hotplug.hpp.
//
// Control and target meet through the per-CPU request word and the per-CPU
// Completion "cpuhp/n": the control CPU reinitialises the completion, stores
// the request (release; pairs with the target's acquire exchange) and waits;
// the target takes the completion's lock map, runs the step and completes it.
#include <pokebench/harness/hotplug.hpp>

#include <fmt/format.h>

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

namespace pokebench::harness {

struct CpuHotplug::PerCpu {
  explicit PerCpu(LockDep& dep, unsigned cpu) : done(dep, fmt::format("cpuhp/{}", cpu)) {}
  Vcpu* v = nullptr;
  std::atomic<int> request{kNone};
  std::atomic<int> running{kNone};  // the step under way, for describe()
  Completion done;
};

namespace {

const char* request_name(int r) {
  switch (r) {
    case 1:
      return "bringup (starting callbacks, IRQs masked)";
    case 2:
      return "online callbacks";
    case 3:
      return "offline callbacks";
    case 4:
      return "take down (dying callbacks, IRQs masked)";
    default:
      return "idle";
  }
}

void short_sleep() {
  // An IPI signal interrupts it, so an idle vCPU still answers at once.
  struct timespec ts {
    0, 50'000
  };
  nanosleep(&ts, nullptr);
}

}  // namespace

CpuHotplug::CpuHotplug(Machine& m, LockDep& dep, unsigned ncpus, std::uint64_t online_at_start,
                       std::function<void(unsigned cpu)> work)
    : m_(m),
      dep_(dep),
      ncpus_(ncpus),
      possible_(ncpus >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << ncpus) - 1),
      work_(std::move(work)),
      add_remove_lock_(dep, "cpu_add_remove_lock"),
      hotplug_lock_(dep, "cpu_hotplug_lock") {
  if (ncpus == 0 || ncpus > kMaxCpus) throw std::invalid_argument("CpuHotplug: 1 to 64 CPUs");
  if ((online_at_start & possible_) == 0) throw std::invalid_argument("CpuHotplug: at least one CPU must start online");
  online_at_start &= possible_;
  online_.store(online_at_start, std::memory_order_relaxed);
  active_.store(online_at_start, std::memory_order_relaxed);
  for (unsigned c = 0; c < ncpus; ++c) pcpu_.push_back(std::make_unique<PerCpu>(dep, c));
  for (unsigned c = 0; c < ncpus; ++c) {
    const bool up = (online_at_start >> c) & 1;
    Vcpu& v = m.start_vcpu(fmt::format("cpu{}", c), [this, c, up](Vcpu& self) {
      if (!up) {
        // Not booted: masked and out of on_each_cpu's reach until cpu_up.
        local_irq_disable();
        smpcfd_dying_cpu();
      }
      ap_main(c, self);
    });
    pcpu_[c]->v = &v;
  }
  // A CPU that starts offline has left on_each_cpu's reach before we return.
  for (unsigned c = 0; c < ncpus; ++c)
    while (!((online_at_start >> c) & 1) && pcpu_[c]->v->online.load(std::memory_order_acquire)) cpu_relax();
}

CpuHotplug::~CpuHotplug() {
  m_.request_stop();
  m_.join_all();  // the vCPUs' bodies use this object
}

Vcpu& CpuHotplug::vcpu(unsigned cpu) noexcept { return *pcpu_[cpu]->v; }

unsigned CpuHotplug::num_online_cpus() const noexcept {
  return static_cast<unsigned>(__builtin_popcountll(cpu_online_mask()));
}

void CpuHotplug::for_each_online_cpu(const std::function<void(unsigned cpu)>& f) const {
  for (unsigned c = 0; c < ncpus_; ++c)
    if (cpu_online(c)) f(c);
}

void CpuHotplug::set_bit(std::atomic<std::uint64_t>& mask, unsigned cpu, bool on) noexcept {
  // Release pairs with the acquire loads of cpu_online_mask()/cpu_active_mask():
  // what the callbacks did before is visible to whoever sees the new bit.
  if (on)
    mask.fetch_or(std::uint64_t{1} << cpu, std::memory_order_release);
  else
    mask.fetch_and(~(std::uint64_t{1} << cpu), std::memory_order_release);
}

// The target vCPU: park while offline; run the steps the control CPU asks for.
void CpuHotplug::ap_main(unsigned cpu, Vcpu& self) {
  PerCpu& p = *pcpu_[cpu];
  while (!self.machine->stop_requested()) {
    // Acquire pairs with the release store in kick_and_wait.
    const int r = p.request.exchange(kNone, std::memory_order_acquire);
    if (r != kNone) {
      p.running.store(r, std::memory_order_relaxed);
      p.done.begin_work();
      try {
        ap_run(cpu, static_cast<Request>(r));
      } catch (const DeadlockAbandoned&) {
        // A test abandoned a deadlock: complete, so the control side unwinds too.
      }
      p.running.store(kNone, std::memory_order_relaxed);
      p.done.end_work();
      continue;
    }
    self.progress.fetch_add(1, std::memory_order_relaxed);
    if (cpu_online(cpu) && work_)
      work_(cpu);
    else
      short_sleep();  // offline: runs nothing
  }
}

void CpuHotplug::ap_run(unsigned cpu, Request r) {
  switch (r) {
    case kBringup: {
      local_irq_disable();  // already masked while it was offline
      // A booting CPU starts from a serialised instruction stream: whatever
      // code was patched while it was offline, it fetches the new bytes.
      sync_core();
      for (CpuhpCallbacks* cb : chain_)
        if (cb->starting) cb->starting(cpu);
      set_bit(online_, cpu, true);
      set_vcpu_online();
      local_irq_enable();  // IPIs queued since set_vcpu_online run here
      break;
    }
    case kOnlineStates:
      for (CpuhpCallbacks* cb : chain_)
        if (cb->online) cb->online(cpu);
      set_bit(active_, cpu, true);
      break;
    case kOfflineStates:
      for (auto it = chain_.rbegin(); it != chain_.rend(); ++it)
        if ((*it)->offline) (*it)->offline(cpu);
      break;
    case kTakeDown:
      // stop_machine's take_cpu_down: IRQs masked from here until it is booted again.
      local_irq_disable();
      for (auto it = chain_.rbegin(); it != chain_.rend(); ++it)
        if ((*it)->dying) (*it)->dying(cpu);
      set_bit(online_, cpu, false);
      smpcfd_dying_cpu();
      break;
    case kNone:
      break;
  }
}

void CpuHotplug::kick_and_wait(unsigned cpu, Request r) {
  PerCpu& p = *pcpu_[cpu];
  p.done.reinit();
  // Release pairs with the target's acquire exchange: the chain and the
  // masks written before are what its callbacks see.
  p.request.store(r, std::memory_order_release);
  p.done.wait();
}

int CpuHotplug::cpu_up(unsigned cpu) {
  if (cpu >= ncpus_) return -EINVAL;
  cpu_maps_update_begin();
  if (cpu_online(cpu)) {
    cpu_maps_update_done();
    return -EINVAL;
  }
  hotplug_lock_.down_write();
  for (CpuhpCallbacks* cb : chain_)
    if (cb->prepare) cb->prepare(cpu);
  at("cpu_up:prepared", cpu);
  kick_and_wait(cpu, kBringup);
  kick_and_wait(cpu, kOnlineStates);
  at("cpu_up:online", cpu);
  hotplug_lock_.up_write();
  at("cpu_up:unlocked", cpu);
  cpu_maps_update_done();
  ups_.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

int CpuHotplug::cpu_down(unsigned cpu) {
  if (cpu >= ncpus_) return -EINVAL;
  cpu_maps_update_begin();
  if (!cpu_online(cpu) || num_online_cpus() == 1) {
    const bool last = cpu_online(cpu);
    cpu_maps_update_done();
    return last ? -EBUSY : -EINVAL;
  }
  hotplug_lock_.down_write();
  set_bit(active_, cpu, false);
  kick_and_wait(cpu, kOfflineStates);
  kick_and_wait(cpu, kTakeDown);
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it)
    if ((*it)->dead) (*it)->dead(cpu);
  at("cpu_down:dead", cpu);
  hotplug_lock_.up_write();
  at("cpu_down:unlocked", cpu);
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it)
    if ((*it)->post_dead) (*it)->post_dead(cpu);
  cpu_maps_update_done();
  downs_.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

patcher::Config::CpusLock CpuHotplug::patch_lock() {
  patcher::Config::CpusLock l;
  l.read_lock = [this] { cpus_read_lock(); };
  l.read_unlock = [this] { cpus_read_unlock(); };
  l.held = [this] { return hotplug_lock_.held_by_me(); };
  return l;
}

int CpuHotplug::register_cpu_notifier(CpuhpCallbacks* cb) {
  const Locked<Mutex> maps(add_remove_lock_);  // cpu_maps_update_begin() .. cpu_maps_update_done()
  return __register_cpu_notifier(cb);
}

int CpuHotplug::__register_cpu_notifier(CpuhpCallbacks* cb) {
  if (!add_remove_lock_.held_by_me()) return -EPERM;  // lockdep_assert_held(&cpu_add_remove_lock)
  if (std::find(chain_.begin(), chain_.end(), cb) != chain_.end()) return -EEXIST;
  chain_.push_back(cb);
  return 0;
}

int CpuHotplug::unregister_cpu_notifier(CpuhpCallbacks* cb) {
  const Locked<Mutex> maps(add_remove_lock_);  // cpu_maps_update_begin() .. cpu_maps_update_done()
  return __unregister_cpu_notifier(cb);
}

int CpuHotplug::__unregister_cpu_notifier(CpuhpCallbacks* cb) {
  if (!add_remove_lock_.held_by_me()) return -EPERM;
  const auto it = std::find(chain_.begin(), chain_.end(), cb);
  if (it == chain_.end()) return -ENOENT;
  chain_.erase(it);
  return 0;
}

std::string CpuHotplug::describe() const {
  std::string r;
  for (unsigned c = 0; c < ncpus_; ++c) {
    const PerCpu& p = *pcpu_[c];
    r += fmt::format("  cpu{} (vCPU#{:02d}): {}{}, hotplug thread: {}\n", c, p.v->id,
                     cpu_online(c) ? "online" : "offline", cpu_active(c) ? " active" : "",
                     request_name(p.running.load(std::memory_order_relaxed)));
  }
  return r;
}

}  // namespace pokebench::harness
