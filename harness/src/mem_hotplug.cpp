// The mem-hotplug scenario (the 2019 thread "mm/memory_hotplug: Don't take
// the cpu_hotplug_lock", docs/scenario-mem-hotplug.md). online_pages() gives
// node 1 memory and rebuilds the zonelists; build_all_zonelists() then points
// every online CPU's per-CPU numa_mem at its nearest node with memory:
//
//   for_each_online_cpu(cpu)
//           set_cpu_numa_mem(cpu, local_memory_node(cpu_to_node(cpu)));
//
// (mm/page_alloc.c, __build_all_zonelists, CONFIG_HAVE_MEMORYLESS_NODES). One
// transition under test is one online_pages() racing with one CPU hotplug
// operation on cpu1: cpu_up (direction enable) or cpu_down (disable). Per
// strategy, how online_pages() locks and whether CPU hotplug has a hook:
//
//   unlocked-no-hook: mem_hotplug_lock only; no CPU-online callback
//   unlocked-hook:    mem_hotplug_lock only; a CPU-online callback sets the
//                     new CPU's numa_mem under get_online_mems()
//   locked:           the hook, and cpus_read_lock() around the walk, taken
//                     while mem_hotplug_lock is held
//   cpus-lock-first:  the hook, and cpus_read_lock() before mem_hotplug_lock
//                     (mem_hotplug_begin() in mm/memory_hotplug.c, v5.2)
//
// The oracle, once both settled: every online CPU's numa_mem was computed
// from the current zonelists (their generation). Deterministic mode starts
// the CPU operation once the walk has read cpu1's bit (enable) or is about
// to (disable), and waits until it has finished or blocks on one of the two
// hotplug locks; stress mode starts it after a random delay.
//
// The lock orders the checker sees. CPU hotplug: cpu_up holds
// cpu_hotplug_lock for writing and waits for cpu1's hotplug thread (the
// completion "cpuhp/1"), whose online callback takes mem_hotplug_lock for
// reading: cpu_hotplug_lock -> cpuhp/1 -> mem_hotplug_lock, the kernel's own
// order (mem_hotplug_begin() takes cpus_read_lock() first). `locked` takes
// them the other way round, mem_hotplug_lock -> cpu_hotplug_lock: the cycle
// is reported, and in stress it can deadlock for real.
#include "mem_hotplug.hpp"

#include "hotplug_world.hpp"

#include <pokebench/harness/hotplug.hpp>
#include <pokebench/harness/lockdep.hpp>

#include <fmt/format.h>

#include <array>

namespace pokebench::harness::mem_hotplug {
namespace {

namespace pp = pokebench::patcher;
using detail::spin_for_ns;

enum class Kind { unlocked_hook, cpus_lock_first, unlocked_no_hook, locked, hook_unlocked_read };

constexpr detail::StrategyOf<Kind> kStrategies[] = {
    {{"unlocked-hook",
      "online_pages walks the online mask without cpus_read_lock; a CPU-online callback sets the new CPU's "
      "numa_mem under get_online_mems()",
      true},
     Kind::unlocked_hook},
    {{"cpus-lock-first", "the hook, and cpus_read_lock() before mem_hotplug_lock (v5.2's mem_hotplug_begin)", true},
     Kind::cpus_lock_first},
    {{"unlocked-no-hook", "the walk without cpus_read_lock and no CPU-online callback: misses a CPU onlined meanwhile",
      false},
     Kind::unlocked_no_hook},
    {{"locked",
      "the hook, and cpus_read_lock() around the walk inside mem_hotplug_lock: inverts CPU hotplug's "
      "cpu_hotplug_lock -> mem_hotplug_lock",
      false},
     Kind::locked},
    {{"hook-unlocked-read",
      "negative control: the CPU-online callback reads the node state without get_online_mems() and writes it back "
      "after the walk: a lost update",
      false, pp::ApplyMode::per_site, true},
     Kind::hook_unlocked_read},
};

constexpr ParamInfo kParams[] = {
    detail::kCpusParam,
    {"walk-us", "how long build_all_zonelists() works per online CPU (the race window of stress mode)", 50, 0, 100'000},
};

constexpr detail::HotplugScenarioInfo kInfo{
    "mem-hotplug",
    "online_pages() updating per-CPU numa_mem with for_each_online_cpu while CPUs come and go, with and "
    "without cpu_hotplug_lock (2019)",
    kParams, "unlocked-no-hook"};

constexpr int kMemNode = 1;  // the node online_pages() gives memory; cpu0 is on node 0, the others on node 1

// A CPU's numa_mem as the emulation keeps it: the node and the generation of
// the zonelists it was computed from, in one word.
struct NumaMem {
  int node;
  std::uint64_t gen;
  std::uint64_t pack() const { return gen << 8 | static_cast<std::uint64_t>(node); }
  static NumaMem unpack(std::uint64_t w) { return {static_cast<int>(w & 0xff), w >> 8}; }
};

class World final : public detail::HotplugWorld {
 public:
  explicit World(const ScenarioConfig& cfg)
      : HotplugWorld(cfg),
        kind_(detail::kind_of(kStrategies, cfg.strategy)),
        walk_ns_(static_cast<std::int64_t>(cfg.param("walk-us")) * 1000),
        mem_hotplug_lock_(dep_, "mem_hotplug_lock") {
    hook_.name = "memhp_cpu_online";
    hook_.online = [this](unsigned cpu) { cpu_online_hook(cpu); };
  }

  // online_pages(), then cpu_up and cpu_down of cpu1 with the strategy's
  // hook (or none) and its locks, nothing racing.
  std::vector<CostFigure> costs(unsigned samples) override {
    const auto none = [](unsigned) {};
    const auto to = [this](bool online) {
      if (hp_->cpu_online(kTarget) != online) online ? hp_->cpu_up(kTarget) : hp_->cpu_down(kTarget);
    };
    std::vector<CostFigure> out;
    out.push_back(detail::time_us(
        "online_pages latency", samples,
        [&] {
          if (node1_present_.load()) online_pages(false, none);
        },
        [&] { online_pages(true, none); }));
    out.push_back(detail::time_us(
        "cpu_up latency", samples, [&] { to(false); }, [&] { to(true); }));
    out.push_back(detail::time_us(
        "cpu_down latency", samples, [&] { to(true); }, [&] { to(false); }));
    return out;
  }

 private:
  void started() override {
    LockDep::name_thread("memory hotplug (online_pages)");
    if (kind_ != Kind::unlocked_no_hook) hp_->register_cpu_notifier(&hook_);
    // Boot: every CPU's numa_mem is current (node 1 still memoryless).
    for (unsigned c = 0; c < ncpus_; ++c) numa_mem_[c].store(current(c).pack(), std::memory_order_relaxed);
  }

  // local_memory_node(cpu_to_node(cpu)) with the current zonelists.
  NumaMem current(unsigned cpu) const {
    // Acquire pairs with the release in online_pages: a generation seen
    // comes with the node state it was published with.
    const std::uint64_t gen = zonelist_gen_.load(std::memory_order_acquire);
    const bool has_memory = node1_present_.load(std::memory_order_relaxed);
    return {cpu != 0 && has_memory ? kMemNode : 0, gen};
  }
  void set_cpu_numa_mem(unsigned cpu, NumaMem v) { numa_mem_[cpu].store(v.pack(), std::memory_order_relaxed); }

  // The CPU-online callback (on cpu1's hotplug thread, with cpu_up holding
  // cpu_hotplug_lock for writing and waiting for it).
  void cpu_online_hook(unsigned cpu) {
    if (kind_ == Kind::hook_unlocked_read) {
      const NumaMem v = current(cpu);
      if (armed_.load() && deterministic_ && enable_) {
        // The forced interleaving: online_pages runs from start to end here.
        hook_has_read_.store(true);
        while (!hook_may_write_.load()) cpu_relax();
      }
      set_cpu_numa_mem(cpu, v);
      return;
    }
    mem_hotplug_lock_.down_read();  // get_online_mems()
    set_cpu_numa_mem(cpu, current(cpu));
    mem_hotplug_lock_.up_read();  // put_online_mems()
  }

  // online_pages (add) or offline_pages (remove) of node 1's only block.
  // `at_walk(cpu)` runs in the walk before each online CPU is updated, and
  // once more with nr_cpu_ids after the last.
  void online_pages(bool add, const std::function<void(unsigned)>& at_walk) {
    // mem_hotplug_begin()
    if (kind_ == Kind::cpus_lock_first) hp_->cpus_read_lock();
    mem_hotplug_lock_.down_write();
    spin_for_ns(walk_ns_);  // online_pages_range(): the pages themselves
    node1_present_.store(add, std::memory_order_relaxed);
    // Release pairs with the acquire in current().
    zonelist_gen_.fetch_add(1, std::memory_order_release);
    // build_all_zonelists(NULL)
    if (kind_ == Kind::locked) hp_->cpus_read_lock();
    hp_->for_each_online_cpu([&](unsigned c) {
      at_walk(c);
      spin_for_ns(walk_ns_);
      set_cpu_numa_mem(c, current(c));
    });
    at_walk(ncpus_);
    if (kind_ == Kind::locked) hp_->cpus_read_unlock();
    // mem_hotplug_done()
    mem_hotplug_lock_.up_write();
    if (kind_ == Kind::cpus_lock_first) hp_->cpus_read_unlock();
  }

  void race() override {
    const std::uint64_t n = ++races_;
    armed_.store(true);
    hook_has_read_.store(false);
    hook_may_write_.store(false);
    Op op(*this, (ncpus_ + 2) * walk_ns_ + 20'000);
    if (deterministic_ && enable_ && kind_ == Kind::hook_unlocked_read) {
      // The hook reads first; the whole online_pages runs before it writes.
      op.go();
      while (!hook_has_read_.load()) cpu_relax();
      online_pages(true, [](unsigned) {});
      hook_may_write_.store(true);
    } else {
      bool fired = false;
      online_pages(true, [&](unsigned c) {
        // Enable: the walk has read cpu1's bit (offline) and moved on.
        // Disable: it is about to update cpu1, which is still online.
        if (!deterministic_ || fired || (enable_ ? c <= kTarget : c < kTarget)) return;
        fired = true;
        op.run_until_done_or_blocked({&hp_->cpu_hotplug_lock(), &mem_hotplug_lock_});
      });
    }
    op.join();
    armed_.store(false);
    check(n);
  }

  void check(std::uint64_t n) {
    for (unsigned c = 0; c < ncpus_; ++c) {
      if (!hp_->cpu_online(c)) continue;  // an offline CPU's numa_mem is nobody's concern until it is back
      const NumaMem got = NumaMem::unpack(numa_mem_[c].load(std::memory_order_relaxed)), want = current(c);
      if (got.gen == want.gen && got.node == want.node) continue;
      log_.record([&] {
        const char* why =
            kind_ == Kind::unlocked_no_hook
                ? "the walk read its bit while it was offline and no CPU-online callback set it"
                : "its CPU-online callback wrote a value read before online_pages changed the node (lost update)";
        return fmt::format(
            "online_pages #{} ({} of cpu{}): cpu{} is online with numa_mem node {} from zonelist "
            "generation {}; the current one is node {}, generation {}: {}",
            n, enable_ ? "cpu_up" : "cpu_down", kTarget, c, got.node, got.gen, want.node, want.gen, why);
      });
    }
  }

  // Back to the starting state: cpu1 offline (enable) or online (disable),
  // node 1 memoryless again. Nothing races with it.
  void reset() override {
    if (hp_->cpu_online(kTarget) == enable_) enable_ ? hp_->cpu_down(kTarget) : hp_->cpu_up(kTarget);
    online_pages(false, [](unsigned) {});
  }

  Kind kind_;
  std::int64_t walk_ns_;
  PercpuRwsem mem_hotplug_lock_;
  CpuhpCallbacks hook_;
  std::atomic<bool> node1_present_{false};
  std::atomic<std::uint64_t> zonelist_gen_{1};
  std::array<std::atomic<std::uint64_t>, 16> numa_mem_{};
  std::atomic<bool> armed_{false}, hook_has_read_{false}, hook_may_write_{false};
  std::uint64_t races_ = 0;
};

}  // namespace

const Scenario& scenario() { return detail::hotplug_scenario<World, kStrategies>(kInfo); }

}  // namespace pokebench::harness::mem_hotplug
