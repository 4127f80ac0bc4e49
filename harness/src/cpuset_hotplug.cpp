// The cpuset-hotplug scenario (the 2021 thread "cpu/hotplug: wait for
// cpuset_hotplug_work to finish on cpu onlining", docs/scenario-cpuset-hotplug.md).
// cpusets rebuild their effective masks in a work item, cpuset_hotplug_work,
// that CPU hotplug queues from the CPU's activation (sched_cpu_activate ->
// cpuset_update_active_cpus in kernel/sched/core.c). The work takes
// cgroup_mutex and then cpu_hotplug_lock: the order cpusets are built around
// (commit 3a5a6d0c2b03, "cpuset: don't nest cgroup_mutex inside
// get_online_cpus()"; kernel/cgroup/cpuset.c, cpuset_hotplug_workfn), so it
// cannot run until cpu_up has dropped the hotplug lock, and cpu_up returns
// without waiting for it. A task that moves itself to the new CPU as soon as
// cpu_up returns (the uevent's handler) is refused: sched_setaffinity() cuts
// the requested mask to the task's cpuset, finds it empty and returns
// -EINVAL, until the work has run.
//
// One transition under test is one cpu_up(1) (direction enable) or
// cpu_down(1) (disable) on the thread "hotplug control", and the task (the
// toggler's thread) acting the moment it returns. Strategies, where _cpu_up
// and _cpu_down wait for the work (cpuset_wait_for_hotplug = flush_work):
//
//   no-wait:               nowhere (the bug)
//   wait-unlocked:         after cpus_write_unlock(), cpu_add_remove_lock still
//                          held, unless tasks are frozen (Gleixner's patch)
//   wait-unlocked-resume:  the same during resume from suspend: tasks
//                          frozen, the wait skipped; thawing runs the work
//                          before any task does (thaw_processes'
//                          cpuset_wait_for_hotplug, kernel/power/process.c)
//   wait-locked:           before cpus_write_unlock(): the flusher holds
//                          cpu_hotplug_lock and waits for the work, the work
//                          holds cgroup_mutex and waits for cpu_hotplug_lock
//   wait-frozen:           resume, waiting although tasks are frozen: the
//                          work does not run before the thaw, which waits
//                          for cpu_up to return
//   wait-before-queued:    negative control: a wait in the wrong place (before
//                          the activation queues the work) waits for nothing
//
// The oracle: once the operation returned, the cpusets agree with it (after
// cpu_up, sched_setaffinity() to the CPU succeeds; after cpu_down, no cpuset
// lists it). A failure is counted, and the task retries until the cpusets
// catch up: that window is timed. Deterministic mode holds the work until the
// task has looked or someone flushes it; stress mode lets it run free.
#include "cpuset_hotplug.hpp"

#include "hotplug_world.hpp"

#include <pokebench/harness/hotplug.hpp>
#include <pokebench/harness/lockdep.hpp>
#include <pokebench/harness/vcpu.hpp>
#include <pokebench/harness/workqueue.hpp>

#include <fmt/format.h>

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <thread>

namespace pokebench::harness::cpuset_hotplug {
namespace {

namespace pp = pokebench::patcher;
using detail::spin_for_ns;

enum class Kind { wait_unlocked, wait_unlocked_resume, no_wait, wait_locked, wait_frozen, wait_before_queued };

constexpr detail::StrategyOf<Kind> kStrategies[] = {
    {{"wait-unlocked",
      "_cpu_up/_cpu_down flush cpuset_hotplug_work after cpus_write_unlock(), unless tasks are frozen (Gleixner, "
      "2021)",
      true},
     Kind::wait_unlocked},
    {{"wait-unlocked-resume",
      "wait-unlocked during resume: tasks frozen, the wait skipped, thaw runs the work before any task", true},
     Kind::wait_unlocked_resume},
    {{"no-wait", "cpu_up returns with the work pending: sched_setaffinity() to the new CPU fails with EINVAL meanwhile",
      false},
     Kind::no_wait},
    {{"wait-locked",
      "flush the work with cpu_hotplug_lock held: the work's cgroup_mutex -> cpu_hotplug_lock order closes a cycle",
      false},
     Kind::wait_locked},
    {{"wait-frozen", "during resume, wait although tasks are frozen: the work cannot run before the thaw", false},
     Kind::wait_frozen},
    {{"wait-before-queued",
      "negative control: _cpu_up flushes the work before the CPU's activation queues it (the flush returns at once)",
      false, pp::ApplyMode::per_site, true},
     Kind::wait_before_queued},
};

constexpr ParamInfo kParams[] = {
    detail::kCpusParam,
    {"work-us", "how long cpuset_hotplug_workfn() works (rebuilding the masks; the window of stress mode)", 50, 0,
     100'000},
};

constexpr detail::HotplugScenarioInfo kInfo{
    "cpuset-hotplug",
    "cpu_up returning before cpuset_hotplug_work rebuilt the cpusets: sched_setaffinity() to the new CPU "
    "fails meanwhile; waiting for the work with and without cpu_hotplug_lock (2021)",
    kParams, "no-wait"};

void nap() {
  struct timespec ts {
    0, 20'000
  };
  nanosleep(&ts, nullptr);
}

class World final : public detail::HotplugWorld {
 public:
  explicit World(const ScenarioConfig& cfg)
      : HotplugWorld(cfg),
        kind_(detail::kind_of(kStrategies, cfg.strategy)),
        resume_(kind_ == Kind::wait_unlocked_resume || kind_ == Kind::wait_frozen),
        work_ns_(static_cast<std::int64_t>(cfg.param("work-us")) * 1000),
        cgroup_mutex_(dep_, "cgroup_mutex"),
        map_(1, std::vector<int>(ncpus_, 0)),
        work_(dep_, "cpuset_hotplug_work", [this] { cpuset_hotplug_workfn(); }) {
    activate_.name = "sched_cpu_activate/deactivate (cpuset_update_active_cpus)";
    activate_.online = [this](unsigned) { queue_work(*wq_, work_); };
    activate_.offline = [this](unsigned) { queue_work(*wq_, work_); };
  }

  void collect(Oracles& o) const override {
    HotplugWorld::collect(o);
    o.windows = windows_;
    o.window_ns_total = window_ns_total_;
    o.window_ns_max = window_ns_max_;
  }

  // cpu_up (alone, and until the task may move to the CPU) and cpu_down of
  // cpu1 with the strategy's wait, nothing racing, tasks not frozen.
  std::vector<CostFigure> costs(unsigned samples) override {
    const char* names[] = {"cpu_up latency", "cpu_up until setaffinity succeeds", "cpu_down latency"};
    std::vector<CostFigure> out;
    if (kind_ == Kind::wait_locked) {
      for (const char* n : names)
        out.push_back(detail::not_measured(n,
                                           "deadlocks: waits for the cpuset work with cpu_hotplug_lock held, and "
                                           "the work takes cgroup_mutex, then cpus_read_lock"));
      return out;
    }
    const std::uint64_t bit = std::uint64_t{1} << kTarget;
    const auto to = [this](bool online) {
      if (hp_->cpu_online(kTarget) != online) online ? hp_->cpu_up(kTarget) : hp_->cpu_down(kTarget);
      flush_work(work_);  // untimed: the next sample starts with the cpusets settled
    };
    out.push_back(detail::time_us(
        names[0], samples, [&] { to(false); }, [&] { hp_->cpu_up(kTarget); }));
    out.push_back(detail::time_us(
        names[1], samples, [&] { to(false); },
        [&] {
          hp_->cpu_up(kTarget);
          while (sched_setaffinity(bit) != 0) std::this_thread::yield();
        }));
    out.push_back(detail::time_us(
        names[2], samples, [&] { to(true); }, [&] { hp_->cpu_down(kTarget); }));
    to(enable_ ? false : true);
    return out;
  }

 private:
  void started() override {
    LockDep::name_thread("task (sched_setaffinity after the uevent)");
    // system_wq (an unbound queue here, one node: where the work runs does not matter).
    wq_ = std::make_unique<Workqueue>(*hp_, map_, "events", hp_->cpu_possible_mask());
    hp_->register_cpu_notifier(&activate_);
    hp_->hook = [this](const char* point, unsigned) { at(point); };
    // Boot (cpuset_init_smp and the hotplug operations before this one):
    // the work has run, so the checker knows its cgroup_mutex ->
    // cpu_hotplug_lock order before the race.
    queue_work(*wq_, work_);
    flush_work(work_);
  }

  // The work holds back, before it takes a lock, while tasks are frozen (our
  // model of Gleixner's "would obviously wait forever": nothing that waits
  // for it with tasks frozen is ever answered) and, in deterministic mode,
  // until the task has looked or someone waits for the work (a flush).
  void hold_back() {
    while (tasks_frozen_.load() || (deterministic_ && !task_looked_.load() && !dep_.has_waiter(work_))) nap();
  }

  // cpuset_hotplug_workfn: every cpuset's effective_cpus from the active mask.
  void cpuset_hotplug_workfn() {
    hold_back();
    Locked<Mutex> cgroup(cgroup_mutex_);
    hp_->cpus_read_lock();
    spin_for_ns(work_ns_);
    // Release pairs with the acquire in sched_setaffinity().
    effective_.store(hp_->cpu_active_mask(), std::memory_order_release);
    hp_->cpus_read_unlock();
  }

  // Where this strategy's _cpu_up/_cpu_down call cpuset_wait_for_hotplug().
  void at(std::string_view point) {
    const bool locked = point == "cpu_up:online" || point == "cpu_down:dead";
    const bool unlocked = point == "cpu_up:unlocked" || point == "cpu_down:unlocked";
    switch (kind_) {
      case Kind::wait_unlocked:
      case Kind::wait_unlocked_resume:
        if (unlocked && !tasks_frozen_.load()) cpuset_wait_for_hotplug();
        break;
      case Kind::wait_frozen:
        if (unlocked) cpuset_wait_for_hotplug();
        break;
      case Kind::wait_locked:
        if (locked) cpuset_wait_for_hotplug();
        break;
      case Kind::wait_before_queued:
        if (point == "cpu_up:prepared") cpuset_wait_for_hotplug();
        break;
      case Kind::no_wait:
        break;
    }
  }

  void cpuset_wait_for_hotplug() {
    waits_.fetch_add(1);
    flush_work(work_);
    waits_.fetch_sub(1);
  }

  // kernel/sched/core.c's __sched_setaffinity: the mask is cut to the task's
  // cpuset (cpuset_cpus_allowed) and the active CPUs; nothing left: -EINVAL.
  int sched_setaffinity(std::uint64_t mask) const {
    const std::uint64_t allowed = effective_.load(std::memory_order_acquire) & hp_->cpu_active_mask();
    return (mask & allowed) == 0 ? -EINVAL : 0;
  }

  // Do the cpusets agree with what the hotplug operation said it did?
  bool consistent() const {
    const std::uint64_t bit = std::uint64_t{1} << kTarget;
    if (enable_) return sched_setaffinity(bit) == 0;
    return (effective_.load(std::memory_order_acquire) & bit) == 0;
  }

  void race() override {
    const std::uint64_t n = ++races_;
    task_looked_.store(false);
    if (resume_) tasks_frozen_.store(true);  // suspend: freeze_processes()
    Op op(*this, 0);
    op.go();
    const std::int64_t started = now_ns();
    bool reported = false;
    while (!op.done()) {  // the task waits for the uevent
      std::this_thread::yield();
      if (!reported && tasks_frozen_.load() && waits_.load() != 0 &&
          now_ns() - started > static_cast<std::int64_t>(timeout_ms_) * 1'000'000) {
        reported = true;
        report_frozen_wait();
      }
    }
    if (resume_) {
      // thaw_processes(), which waits for the work before any task runs.
      tasks_frozen_.store(false);
      cpuset_wait_for_hotplug();
    }
    const std::int64_t returned = now_ns();
    if (!consistent()) {
      task_looked_.store(true);  // deterministic mode lets the work run from here
      log_.record([&] {
        return enable_ ? fmt::format(
                             "cpu_up #{}: sched_setaffinity(cpu{}) right after cpu_up returned: -EINVAL "
                             "(cpuset_hotplug_work had not run: the cpusets do not have the CPU yet)",
                             n, kTarget)
                       : fmt::format(
                             "cpu_down #{}: the cpusets still list cpu{} after cpu_down returned "
                             "(cpuset_hotplug_work had not run)",
                             n, kTarget);
      });
      while (!consistent()) nap();  // the task retries until the work has run
      const std::int64_t window = now_ns() - returned;
      ++windows_;
      window_ns_total_ += static_cast<std::uint64_t>(window);
      window_ns_max_ = std::max(window_ns_max_, static_cast<std::uint64_t>(window));
    }
    task_looked_.store(true);
    op.join();
  }

  void report_frozen_wait() {
    if (!report_hang) return;
    report_hang(detail::hang_report(
        dep_, hp_.get(),
        fmt::format("{} ({}) has waited for over {} ms in cpuset_wait_for_hotplug() with tasks frozen for suspend: "
                    "the work runs only once tasks are thawed, and the thaw comes after {} returns\n",
                    enable_ ? "cpu_up" : "cpu_down", "hotplug control", timeout_ms_, enable_ ? "cpu_up" : "cpu_down")));
  }

  // Back to the starting state, nothing racing: cpu1 offline (enable) or
  // online (disable), the work run.
  void reset() override {
    task_looked_.store(true);
    if (hp_->cpu_online(kTarget) == enable_) enable_ ? hp_->cpu_down(kTarget) : hp_->cpu_up(kTarget);
    flush_work(work_);
  }

  Kind kind_;
  bool resume_;
  std::int64_t work_ns_;
  Mutex cgroup_mutex_;
  CpuhpCallbacks activate_;
  CpuNodeMap map_;
  WorkStruct work_;
  std::unique_ptr<Workqueue> wq_;
  std::atomic<std::uint64_t> effective_{0};  // the top cpuset's effective_cpus
  std::atomic<bool> task_looked_{false}, tasks_frozen_{false};
  std::atomic<unsigned> waits_{0};  // threads in cpuset_wait_for_hotplug()
  std::uint64_t races_ = 0, windows_ = 0, window_ns_total_ = 0, window_ns_max_ = 0;
};

}  // namespace

const Scenario& scenario() { return detail::hotplug_scenario<World, kStrategies>(kInfo); }

}  // namespace pokebench::harness::cpuset_hotplug
