// The wq-pool-cpumask scenario (the 2017 thread "[PATCH v6] workqueue: Fix
// edge cases for calc of pool's cpumask", docs/scenario-wq-pool-cpumask.md).
// An unbound workqueue's attrs are applied (apply_workqueue_attrs, under
// cpus_read_lock): for each node, wq_calc_node_cpumask() asks whether the
// node has online CPUs the attrs want, then takes the node's CPUs as the
// per-CPU lookup gives them:
//
//   check = cpumask_of_node(node) & attrs & cpu_online_mask;
//   if (empty(check)) mask = attrs;                       (use_dfl)
//   else              mask = attrs & {cpu : cpu_to_node(cpu) == node};
//
// and get_unbound_pool() binds a new pool's first worker to `mask`. The
// map's two views (cpumask_of_node, cpu_to_node) change while cpu1 moves
// between nodes, as PowerPC's arch code does after it learns a CPU's node,
// and no lock the reader takes covers the move. One transition under test is
// one apply racing with cpu_up(1) followed by cpu1's move from node 0 to
// node 1 (direction enable), or with cpu_down(1) followed by its move back
// (disable). Strategies:
//
//   unsynchronised:  the code above
//   last-valid:      the patch: use `mask` only if it is non-empty and
//                    intersects the online CPUs, else keep the node's last
//                    valid mask
//   seqcount:        Tejun's ask: the map's moves are published under a
//                    seqcount and the reader retries its two reads
//   no-online-check: negative control: the check without the online mask
//                    and the validity test without its online half
//
// The oracle: no worker is ever bound to an empty mask or one whose CPUs are
// all offline. Deterministic mode parks the move where the views disagree
// (enable: cpu1 added to node 1's mask, its lookup still node 0; disable:
// cpu1 offline, still mapped to node 1), applies, then lets the move go; a
// seqcount reader that finds the move in flight lets it go at once. Stress
// mode starts the hotplug side after a random delay and applies in a loop
// until it is done.
#include "wq_pool_cpumask.hpp"

#include "hotplug_world.hpp"

#include <pokebench/harness/workqueue.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <vector>

namespace pokebench::harness::wq_pool_cpumask {
namespace {

namespace pp = pokebench::patcher;
using detail::spin_for_ns;

enum class Kind { last_valid, seqcount, unsynchronised, no_online_check };

constexpr detail::StrategyOf<Kind> kStrategies[] = {
    {{"last-valid",
      "the patch: a new node mask is used only if it is non-empty and intersects the online CPUs, else the node's "
      "last valid mask",
      true},
     Kind::last_valid},
    {{"seqcount", "the cpu-to-node map's moves are published under a seqcount; wq_calc_node_cpumask retries", true},
     Kind::seqcount},
    {{"unsynchronised",
      "wq_calc_node_cpumask reads cpumask_of_node and cpu_to_node unsynchronised with the map's moves: an empty mask "
      "reaches the worker binding",
      false},
     Kind::unsynchronised},
    {{"no-online-check",
      "negative control: the check and the validity test ignore the online mask: a worker is bound to an offline "
      "CPU's mask",
      false, pp::ApplyMode::per_site, true},
     Kind::no_online_check},
};

constexpr ParamInfo kParams[] = {
    {"cpus", "hotpluggable CPUs (cpu1 comes and goes and moves between nodes 0 and 1, the others stay on node 0)", 4, 2,
     16},
    {"window-us",
     "how long the arch works between the steps of cpu1's move, and wq_calc_node_cpumask between its check and "
     "its lookup (stress mode's race window)",
     20, 0, 100'000},
};

constexpr detail::HotplugScenarioInfo kInfo{
    "wq-pool-cpumask",
    "an unbound workqueue pool's cpumask computed from the cpu-to-node map while CPU hotplug changes it "
    "(PowerPC, 2017)",
    kParams, "unsynchronised"};

constexpr int kNodes = 2;
constexpr int kNewNode = 1;  // cpu1's node once it is up

// What one wq_calc_node_cpumask() saw and chose.
struct Calc {
  cpumask_t check = 0, lookup = 0, mask = 0;
  unsigned retries = 0;
  bool inflight = false;
};

class World final : public detail::HotplugWorld {
 public:
  explicit World(const ScenarioConfig& cfg)
      : HotplugWorld(cfg),
        kind_(detail::kind_of(kStrategies, cfg.strategy)),
        window_ns_(static_cast<std::int64_t>(cfg.param("window-us")) * 1000) {}

  // With cpu1 settled on its node, nothing racing: one node's mask read
  // (1000 calls a sample: one is tens of nanoseconds), and a whole apply
  // (new pools and their workers).
  std::vector<CostFigure> costs(unsigned samples) override {
    const auto none = [] {};
    std::vector<CostFigure> out;
    out.push_back(detail::time_us("wq_calc_node_cpumask, 1000 calls", samples, none, [this] {
      for (int i = 0; i < 1000; ++i) calc_sink_ ^= wq_calc_node_cpumask(kNewNode).mask;
    }));
    out.push_back(detail::time_us("apply_workqueue_attrs latency", samples, none, [this] { apply_workqueue_attrs(); }));
    return out;
  }

 private:
  void started() override {
    LockDep::name_thread("workqueue (apply_workqueue_attrs)");
    attrs_ = hp_->cpu_possible_mask();
    std::vector<int> nodes(ncpus_, 0);
    if (!enable_) nodes[kTarget] = kNewNode;  // disable: cpu1 starts up, on its node
    map_ = std::make_unique<CpuNodeMap>(kNodes, nodes);
    map_->hook = [this](const char* point, unsigned) { at_move(point); };
    map_->reader_waits = [this] {
      reader_waited_ = true;
      if (deterministic_) release_.store(true);  // the move must finish before this reader can
    };
    last_valid_.fill(attrs_);
    apply_workqueue_attrs();  // boot: nothing races
  }

  // The arch's move, on the hotplug thread: parks (deterministic) or works
  // for window-us (stress) between its steps.
  void at_move(const char* point) {
    if (!armed_.load()) return;
    if (!deterministic_) {
      if (std::strcmp(point, "numa_move:added") == 0 || std::strcmp(point, "numa_move:remapped") == 0)
        spin_for_ns(window_ns_);
      return;
    }
    if (std::strcmp(point, enable_ ? "numa_move:added" : "numa_move:begin") != 0) return;
    parked_.store(true);
    while (!release_.load()) cpu_relax();
  }

  Calc wq_calc_node_cpumask(int node) {
    const cpumask_t online = hp_->cpu_online_mask();
    Calc c;
    auto read_map = [&] {
      const unsigned seq = map_->sequence();
      c.check = map_->cpumask_of_node(node) & attrs_ & (kind_ == Kind::no_online_check ? ~cpumask_t{0} : online);
      if (!deterministic_ && armed_.load()) spin_for_ns(window_ns_);
      c.lookup = map_->cpus_by_lookup(node) & attrs_;
      c.inflight = (seq & 1) != 0 || map_->sequence() != seq;
    };
    if (kind_ == Kind::seqcount) {
      // c.retries: looks that found a move in flight (read_begin waited) or
      // over (read_retry).
      for (;;) {
        reader_waited_ = false;
        const unsigned seq = map_->read_begin();
        c.retries += reader_waited_ ? 1 : 0;
        read_map();
        if (!map_->read_retry(seq)) break;
        ++c.retries;
      }
    } else {
      read_map();
    }
    c.mask = c.check == 0 ? attrs_ : c.lookup;
    if (kind_ == Kind::last_valid || kind_ == Kind::no_online_check) {
      const bool valid = c.mask != 0 && (kind_ == Kind::no_online_check || (c.mask & online) != 0);
      if (valid) {
        last_valid_[node] = c.mask;
      } else {
        c.mask = last_valid_[node];
      }
    }
    return c;
  }

  // alloc_workqueue(WQ_UNBOUND) and its apply_workqueue_attrs(): under
  // get_online_cpus(), each node's pool, new (the emulation's pools belong
  // to one workqueue), so each node's worker is bound. The workqueue it
  // replaces goes once the lock is dropped.
  void apply_workqueue_attrs() {
    hp_->cpus_read_lock();
    auto wq = std::make_unique<Workqueue>(*hp_, *map_, "wq_test_unbound", attrs_,
                                          [this](const WorkerBinding& b) { worker_bound(b); });
    for (int n = 0; n < kNodes; ++n) {
      const Calc c = wq_calc_node_cpumask(n);
      ++calcs_;
      (kind_ == Kind::seqcount ? checked_ : unchecked_)++;
      if (c.inflight && kind_ != Kind::seqcount) ++unchecked_inflight_;
      max_retries_ = std::max<std::uint64_t>(max_retries_, c.retries);
      calc_[n] = c;
      wq->set_node_pool(n, c.mask);
    }
    hp_->cpus_read_unlock();
    std::swap(wq_, wq);
  }

  // The oracle, at worker_attach_to_pool (on the applying thread).
  void worker_bound(const WorkerBinding& b) {
    if (b.cpumask != 0 && (b.cpumask & b.online) != 0) return;
    bad_.push_back({b, calc_[b.node]});
  }

  void race() override {
    const std::uint64_t n = ++races_;
    parked_.store(false);
    release_.store(false);
    armed_.store(true);
    {
      Op op(*this, 3 * window_ns_ + 50'000, [this] { map_->move_cpu(kTarget, enable_ ? kNewNode : 0); });
      if (deterministic_) {
        op.go();
        while (!parked_.load() && !op.done()) cpu_relax();
        apply_workqueue_attrs();
        release_.store(true);
      } else {
        while (!op.done()) apply_workqueue_attrs();
        apply_workqueue_attrs();  // once settled
      }
      op.join();
    }
    armed_.store(false);
    check(n);
  }

  // A work queued on node 1 after the race runs where node 1's pool lets it;
  // every bad binding of the race is one violation.
  void check(std::uint64_t n) {
    WorkStruct probe(dep_, "wq_probe_work", [] {});
    queue_work_node(kNewNode, *wq_, probe);
    flush_work(probe);
    const cpumask_t node1 = wq_->node_cpumask(kNewNode);
    for (const Bad& bad : bad_)
      log_.record([&] {
        // Oracles::violation holds 240 characters: every word counts.
        const WorkerBinding& b = bad.binding;
        std::string text = fmt::format(
            "apply_workqueue_attrs #{} ({} cpu1, to node {}): {} bound to node {}'s new pool, cpumask {} ({}, online "
            "{}); its check saw {}, cpu_to_node gave {}",
            n, enable_ ? "cpu_up" : "cpu_down", enable_ ? kNewNode : 0, b.worker, b.node, cpumask_str(b.cpumask),
            b.cpumask == 0 ? "empty" : "only offline CPUs", cpumask_str(b.online), cpumask_str(bad.calc.check),
            cpumask_str(bad.calc.lookup));
        if (node1 == b.cpumask)
          text += fmt::format("; {} on node {} ran on cpu{}, outside it", probe.name(), kNewNode, probe.last_cpu());
        return text;
      });
    bad_.clear();
  }

  // Back to the starting state, nothing racing: enable moves cpu1 back to
  // node 0 and takes it down, disable brings it up and moves it to node 1.
  void reset() override {
    if (enable_) {
      if (map_->cpu_to_node(kTarget) != 0) map_->move_cpu(kTarget, 0);
      if (hp_->cpu_online(kTarget)) hp_->cpu_down(kTarget);
    } else {
      if (!hp_->cpu_online(kTarget)) hp_->cpu_up(kTarget);
      if (map_->cpu_to_node(kTarget) != kNewNode) map_->move_cpu(kTarget, kNewNode);
    }
    apply_workqueue_attrs();
    bad_.clear();  // a reset binds nothing bad; the oracle is about races
  }

  void collect(Oracles& o) const override {
    HotplugWorld::collect(o);
    o.reader_loops = calcs_;
    o.checked_exits = checked_;
    o.unchecked_exits = unchecked_;
    o.unchecked_inflight = unchecked_inflight_;
    o.max_retries = max_retries_;
  }

  struct Bad {
    WorkerBinding binding;
    Calc calc;
  };

  Kind kind_;
  std::int64_t window_ns_;
  cpumask_t attrs_ = 0;
  std::unique_ptr<CpuNodeMap> map_;
  std::unique_ptr<Workqueue> wq_;  // after map_: destroyed first
  std::array<cpumask_t, kNodes> last_valid_{};
  std::array<Calc, kNodes> calc_{};
  cpumask_t calc_sink_ = 0;  // keeps costs()' calls from being optimised out
  std::vector<Bad> bad_;
  std::atomic<bool> armed_{false}, parked_{false}, release_{false};
  bool reader_waited_ = false;  // set by read_begin's waits, on the reader's thread
  std::uint64_t races_ = 0, calcs_ = 0, checked_ = 0, unchecked_ = 0, unchecked_inflight_ = 0, max_retries_ = 0;
};

}  // namespace

const Scenario& scenario() { return detail::hotplug_scenario<World, kStrategies>(kInfo); }

}  // namespace pokebench::harness::wq_pool_cpumask
