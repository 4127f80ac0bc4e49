// What the hotplug scenarios share (cpu_notifier.cpp, mem_hotplug.cpp,
// cpuset_hotplug.cpp, wq_pool_cpumask.cpp): their definition (strategy
// rows, the --cpus parameter, HotplugScenarioOf), the Scenario and
// TrialWorld parts of a race between a subsystem's operation and one CPU
// hotplug operation, the hotplug side of that race, a busy wait standing for
// a callback's work, the record of the first violation of a scenario's
// oracle, and the hang report of a deadlock the LockDep watchdog found; and
// the cost seam's driver for them (HotplugScenario::measure_cost).
#pragma once

#include <pokebench/harness/hotplug.hpp>
#include <pokebench/harness/lockdep.hpp>
#include <pokebench/harness/oracles.hpp>
#include <pokebench/harness/scenario.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>

namespace pokebench::harness::detail {

// Spins for `ns` (work that occupies its CPU, as an init or a zonelist rebuild does).
void spin_for_ns(std::int64_t ns);

// The oracle's failures: counted, the first one described and timed.
class ViolationLog {
 public:
  // Counts one violation; `describe` is called only for the first.
  void record(const std::function<std::string()>& describe);
  // Copies the counts, the first description and the checker's first
  // inversion report into `o`.
  void collect(Oracles& o, const LockDep& dep) const;

 private:
  mutable std::mutex m_;
  std::uint64_t violations_ = 0;
  std::int64_t first_ns_ = 0;
  std::string first_;
};

// The hang report of a deadlock: the watchdog's cycle `cycle`, every emulated
// lock held or waited for, the CPUs (if `hp`), and the inversion the checker
// had reported before anything blocked.
std::string deadlock_report(const LockDep& dep, const CpuHotplug* hp, unsigned timeout_ms, const std::string& cycle);
// The same for any hang a world found itself: `what` (its own lines first), then the locks, CPUs and inversion.
std::string hang_report(const LockDep& dep, const CpuHotplug* hp, const std::string& what);

// A scenario whose transition is a hotplug race: no patched sites, and
// `--cpus` hotpluggable vCPUs besides the (absent) readers.
class HotplugScenario : public Scenario {
 public:
  std::vector<std::string> site_tags() const override { return {}; }
  bool patches_code() const override { return false; }
  unsigned other_vcpus(const ScenarioConfig& c) const override { return static_cast<unsigned>(c.param("cpus")); }
  // Builds the strategy's world (direction enable: cpu1 starts offline) on
  // a machine of this process and asks it for HotplugWorld::costs().
  std::vector<CostFigure> measure_cost(const ScenarioConfig& cfg, const CostOptions& o) const override;
};

// A cost figure in microseconds: `before` (untimed: back to the starting
// state) then `op` (timed), `samples` times; median, min and max of `op`.
CostFigure time_us(const char* name, unsigned samples, const std::function<void()>& before,
                   const std::function<void()>& op);
// A figure a strategy cannot give, and why.
CostFigure not_measured(const char* name, const char* why);

// The `--cpus` parameter of the scenarios whose cpu1 comes and goes while the others stay online.
inline constexpr ParamInfo kCpusParam{"cpus", "hotpluggable CPUs (cpu1 comes and goes, the others stay online)", 4, 2,
                                      16};

// A row of a scenario's strategy table: what the CLI shows, and the kind the world switches on.
template <class Kind>
struct StrategyOf {
  StrategyInfo info;
  Kind kind;
};

// A scenario's strategy table: the infos in table order, and a name's kind.
template <class S, std::size_t N>
constexpr std::array<StrategyInfo, N> infos_of(const S (&table)[N]) {
  std::array<StrategyInfo, N> out;
  for (std::size_t i = 0; i < N; ++i) out[i] = table[i].info;
  return out;
}
template <class S, std::size_t N>
constexpr auto kind_of(const S (&table)[N], const std::string& name) {
  for (const S& s : table)
    if (name == s.info.name) return s.kind;
  return table[0].kind;  // validated before: unreachable
}

// What a hotplug scenario's definition says about itself besides its strategy table.
struct HotplugScenarioInfo {
  const char* name;
  const char* summary;
  std::span<const ParamInfo> params;
  const char* known_bug;  // the strategy that reproduces the bug (enable)
};

// A hotplug scenario described by `info` and `strategies`, whose trials run
// a World made from the trial's config.
template <class World>
class HotplugScenarioOf final : public HotplugScenario {
 public:
  HotplugScenarioOf(HotplugScenarioInfo info, std::span<const StrategyInfo> strategies)
      : info_(info), strategies_(strategies) {}
  const char* name() const override { return info_.name; }
  const char* summary() const override { return info_.summary; }
  std::span<const StrategyInfo> strategies() const override { return strategies_; }
  std::span<const ParamInfo> params() const override { return info_.params; }
  std::optional<Cell> known_bug() const override {
    return Cell{info_.known_bug, Direction::enable, ScenarioConfig{}.order, patcher::Int3Policy::skip};
  }
  std::unique_ptr<TrialWorld> make_world(const ScenarioConfig& c) const override { return std::make_unique<World>(c); }

 private:
  HotplugScenarioInfo info_;
  std::span<const StrategyInfo> strategies_;
};

// The one scenario described by `info` whose strategies are `Table`'s rows
// (made on first use).
template <class World, const auto& Table>
const Scenario& hotplug_scenario(const HotplugScenarioInfo& info) {
  static constexpr auto kInfos = infos_of(Table);
  static const HotplugScenarioOf<World> s(info, kInfos);
  return s;
}

// The world of a hotplug race. One transition under test is one race between
// the subsystem's operation (race(), on the toggler's thread) and one CPU
// hotplug operation on cpu1 (an Op): cpu_up for direction enable, cpu_down for
// disable; the other direction puts the world back (reset()). Starts `--cpus`
// hotpluggable vCPUs, cpu1 offline for enable.
class HotplugWorld : public TrialWorld {
 public:
  static constexpr unsigned kTarget = 1;  // the CPU that comes and goes

  std::vector<NamedKey> keys() const override { return {}; }
  std::vector<NamedFunction> functions() const override { return {}; }
  void reader_pass(ReaderSlot&) override {}
  std::string describe_reader(const ReaderSlot&) const override { return {}; }
  void start_other_vcpus(Machine& m) final;
  void toggle(bool enable, const patcher::Config&) final { enable == enable_ ? race() : reset(); }
  void collect(Oracles& o) const override { log_.collect(o, dep_); }
  // The cost figures of this world's strategy (Scenario::measure_cost), on
  // the toggler's thread after start_other_vcpus(), nothing racing: e.g. the
  // subsystem's operation and cpu_up/cpu_down of cpu1 with its callbacks.
  // Default: none (a hotplug scenario that measures no cost).
  virtual std::vector<CostFigure> costs(unsigned samples) {
    (void)samples;
    return {};
  }

 protected:
  explicit HotplugWorld(const ScenarioConfig& cfg);
  virtual void race() = 0;
  virtual void reset() = 0;
  // After the vCPUs started, on the toggler's thread (which `name` names).
  virtual void started() = 0;

  // The hotplug side of one race, on the thread "hotplug control": in
  // deterministic mode it starts when told (go()); in stress mode after a
  // random delay of up to `max_delay_ns`. `then`, if set, runs on that
  // thread right after the CPU operation (the arch's work that follows it).
  class Op {
   public:
    Op(HotplugWorld& w, std::int64_t max_delay_ns, std::function<void()> then = {});
    ~Op() { join(); }
    Op(const Op&) = delete;
    Op& operator=(const Op&) = delete;
    void go() { go_.store(true); }
    bool done() const { return done_.load(); }
    // Deterministic mode's forced interleaving: go, and return once the
    // operation has finished or waits for one of `locks`.
    void run_until_done_or_blocked(std::initializer_list<const LockBase*> locks);
    void join() {
      if (t_.joinable()) t_.join();
    }

   private:
    std::atomic<bool> go_{false}, done_{false};
    std::thread t_;
    const LockDep& dep_;
  };

  const bool enable_, deterministic_;
  const unsigned ncpus_, timeout_ms_;
  LockDep dep_;
  std::unique_ptr<CpuHotplug> hp_;
  ViolationLog log_;
  std::mt19937_64 rng_;
};

}  // namespace pokebench::harness::detail
