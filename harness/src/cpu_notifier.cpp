// The cpu-notifier scenario (the 2014 thread "CPU hotplug: Fix issues with
// callback registration", docs/scenario-cpu-notifier.md). A subsystem keeps
// per-CPU state: its notifier initialises a CPU at CPU_ONLINE and frees it
// at CPU_DEAD, and at registration it initialises the CPUs already online:
//
//   unlocked:        for_each_online_cpu(cpu) init_cpu(cpu);
//                    register_cpu_notifier(&nb);
//   register-first:  register_cpu_notifier(&nb);
//                    for_each_online_cpu(cpu) init_cpu(cpu);
//   maps-locked:     cpu_maps_update_begin();
//                    for_each_online_cpu(cpu) init_cpu(cpu);
//                    __register_cpu_notifier(&nb);
//                    cpu_maps_update_done();
//
// One transition under test is one registration racing with one hotplug
// operation on cpu1: cpu_up (direction enable) or cpu_down (disable). The
// oracle, once both settled: every online CPU initialised exactly once, no
// offline CPU initialised. Deterministic mode starts the operation at the
// point between the two steps and waits until it has finished or blocks on
// cpu_add_remove_lock; stress mode starts it after a random delay.
//
// The POST_DEAD rule (wait-in-dead, wait-in-post-dead; maps-locked
// registration): at cpu_down the notifier waits for a worker that calls
// get_online_cpus(). In CPU_DEAD the hotplug lock is held for writing, the
// worker cannot get it, and the two wait for each other; in CPU_POST_DEAD it
// has been dropped and the wait completes.
#include "cpu_notifier.hpp"

#include "hotplug_world.hpp"

#include <pokebench/harness/hotplug.hpp>
#include <pokebench/harness/lockdep.hpp>

#include <fmt/format.h>

#include <array>
#include <thread>

namespace pokebench::harness::cpu_notifier {
namespace {

using detail::spin_for_ns;

enum class Kind { maps_locked, wait_in_post_dead, unlocked, register_first, wait_in_dead };

constexpr detail::StrategyOf<Kind> kStrategies[] = {
    {{"maps-locked",
      "cpu_maps_update_begin(); for_each_online_cpu(init_cpu); __register_cpu_notifier(); cpu_maps_update_done()",
      true},
     Kind::maps_locked},
    {{"wait-in-post-dead", "maps-locked; at cpu_down the notifier waits for a get_online_cpus() user in CPU_POST_DEAD",
      true},
     Kind::wait_in_post_dead},
    {{"unlocked", "for_each_online_cpu(init_cpu); register_cpu_notifier(): misses a CPU onlined in between", false},
     Kind::unlocked},
    {{"register-first", "register_cpu_notifier(); for_each_online_cpu(init_cpu): initialises such a CPU twice", false},
     Kind::register_first},
    {{"wait-in-dead", "maps-locked; the notifier waits for a get_online_cpus() user in CPU_DEAD: deadlock", false},
     Kind::wait_in_dead},
};

constexpr ParamInfo kParams[] = {
    detail::kCpusParam,
    {"init-us", "how long init_cpu() works per CPU (the race window of stress mode)", 50, 0, 100'000},
};

constexpr detail::HotplugScenarioInfo kInfo{
    "cpu-notifier", "registering a CPU hotplug notifier while CPUs come and go, and the CPU_POST_DEAD rule (2014)",
    kParams, "unlocked"};

// cpu1 comes and goes (HotplugWorld::kTarget): the CPUs above it are initialised after it.
class World final : public detail::HotplugWorld {
 public:
  explicit World(const ScenarioConfig& cfg)
      : HotplugWorld(cfg),
        kind_(detail::kind_of(kStrategies, cfg.strategy)),
        init_ns_(static_cast<std::int64_t>(cfg.param("init-us")) * 1000),
        helper_done_(dep_, "(work_completion)(&helper_work)") {
    nb_.name = "foobar_cpu_notifier";
    nb_.online = [this](unsigned cpu) { init_cpu(cpu); };
    nb_.dead = [this](unsigned cpu) {
      if (kind_ == Kind::wait_in_dead && armed_.load()) wait_for_helper();
      free_cpu(cpu);
    };
    nb_.post_dead = [this](unsigned) {
      if (kind_ == Kind::wait_in_post_dead && armed_.load()) wait_for_helper();
    };
  }

  ~World() override {
    helper_stop_.store(true);
    if (helper_.joinable()) helper_.join();
  }

  // Registration, then cpu_up and cpu_down of cpu1 with the notifier
  // registered (its init_cpu, free_cpu and, armed, its wait), nothing racing.
  std::vector<CostFigure> costs(unsigned samples) override {
    const auto unregister = [this] {
      hp_->cpu_maps_update_begin();
      hp_->__unregister_cpu_notifier(&nb_);
      hp_->cpu_maps_update_done();
      for (auto& i : inited_) i.store(0);
    };
    const auto to = [this](bool online) {
      if (hp_->cpu_online(kTarget) != online) online ? hp_->cpu_up(kTarget) : hp_->cpu_down(kTarget);
    };
    std::vector<CostFigure> out;
    out.push_back(detail::time_us("register latency", samples, unregister, [this] { register_notifier([] {}); }));
    out.push_back(detail::time_us(
        "cpu_up latency", samples, [&] { to(false); }, [&] { to(true); }));
    if (kind_ == Kind::wait_in_dead) {
      out.push_back(detail::not_measured("cpu_down latency",
                                         "deadlocks: CPU_DEAD waits for a get_online_cpus() user while cpu_down "
                                         "holds cpu_hotplug_lock"));
    } else {
      armed_.store(true);  // wait-in-post-dead waits for its helper at every cpu_down
      out.push_back(detail::time_us(
          "cpu_down latency", samples, [&] { to(true); }, [&] { to(false); }));
      armed_.store(false);
    }
    unregister();
    return out;
  }

 private:
  void started() override {
    helper_ = std::thread([this] { helper_main(); });
    LockDep::name_thread("registrar");
  }

  void init_cpu(unsigned cpu) {
    spin_for_ns(init_ns_);  // the allocation and setup a real init_cpu does
    inited_[cpu].fetch_add(1);
  }
  void free_cpu(unsigned cpu) { inited_[cpu].fetch_sub(1); }

  // The registration of the strategy; `between` runs between its two steps.
  void register_notifier(const std::function<void()>& between) {
    auto init = [this](unsigned c) { init_cpu(c); };
    switch (kind_) {
      case Kind::unlocked:
        hp_->for_each_online_cpu(init);
        between();
        hp_->register_cpu_notifier(&nb_);
        break;
      case Kind::register_first:
        hp_->register_cpu_notifier(&nb_);
        between();
        hp_->for_each_online_cpu(init);
        break;
      default:
        hp_->cpu_maps_update_begin();
        hp_->for_each_online_cpu(init);
        between();
        hp_->__register_cpu_notifier(&nb_);
        hp_->cpu_maps_update_done();
        break;
    }
  }

  void race() override {
    const std::uint64_t n = ++races_;
    armed_.store(true);
    Op op(*this, (ncpus_ + 1) * init_ns_ + 20'000);
    register_notifier([&] {
      // The forced interleaving: the hotplug operation runs here, to its end
      // or until it blocks on the maps lock this registration holds.
      if (deterministic_) op.run_until_done_or_blocked({&hp_->cpu_add_remove_lock()});
    });
    op.join();
    armed_.store(false);
    check(n);
  }

  void check(std::uint64_t n) {
    for (unsigned c = 0; c < ncpus_; ++c) {
      const bool online = hp_->cpu_online(c);
      const int got = inited_[c].load(), want = online ? 1 : 0;
      if (got == want) continue;
      const char* why = online ? (got < want ? "missed: it came online between for_each_online_cpu and the "
                                               "registration, and neither initialised it"
                                             : "initialised twice: by its CPU_ONLINE callback and by the loop")
                               : (got > 0 ? "left initialised: it went offline before the notifier was registered"
                                          : "freed by CPU_DEAD before the loop ever initialised it");
      log_.record([&] {
        return fmt::format("registration #{} ({} of cpu{}): cpu{} is {} and initialised {} time(s): {}", n,
                           enable_ ? "cpu_up" : "cpu_down", kTarget, c, online ? "online" : "offline", got, why);
      });
    }
  }

  // Back to the starting state: unregistered (the correct way), the per-CPU
  // state cleared, cpu1 offline (enable) or online (disable).
  void reset() override {
    if (hp_->cpu_online(kTarget) == enable_) enable_ ? hp_->cpu_down(kTarget) : hp_->cpu_up(kTarget);
    hp_->cpu_maps_update_begin();
    hp_->__unregister_cpu_notifier(&nb_);
    hp_->cpu_maps_update_done();
    for (auto& i : inited_) i.store(0);
  }

  // A kworker whose work calls get_online_cpus(); the notifier waits for it.
  void helper_main() {
    LockDep::name_thread("kworker (helper_work: get_online_cpus)");
    while (!helper_stop_.load()) {
      if (!helper_req_.exchange(false)) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        continue;
      }
      helper_done_.begin_work();
      hp_->cpus_read_lock();
      hp_->cpus_read_unlock();
      helper_done_.end_work();
    }
  }
  void wait_for_helper() {
    helper_done_.reinit();
    helper_req_.store(true);
    helper_done_.wait();  // flush_work(&helper_work)
  }

  Kind kind_;
  std::int64_t init_ns_;
  CpuhpCallbacks nb_;
  std::array<std::atomic<int>, 16> inited_{};
  std::atomic<bool> armed_{false};
  std::thread helper_;
  std::atomic<bool> helper_stop_{false}, helper_req_{false};
  Completion helper_done_;
  std::uint64_t races_ = 0;
};

}  // namespace

const Scenario& scenario() { return detail::hotplug_scenario<World, kStrategies>(kInfo); }

}  // namespace pokebench::harness::cpu_notifier
