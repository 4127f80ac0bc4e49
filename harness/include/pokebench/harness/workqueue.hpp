// Workqueues on the emulated machine: work items, unbound worker pools with
// a cpumask attribute (one pool per node, as an unbound workqueue has), and
// the cpu-to-node map that CPU hotplug may change at run time (as on
// PowerPC, where a CPU's node is known only once it runs). Written in our own
// words after kernel/workqueue.c (queue_work, flush_work, get_unbound_pool,
// worker_attach_to_pool) and the arch's map (numa_cpu_lookup_table,
// node_to_cpumask_map); see docs/hotplug.md, "Workqueues".
//
//   queue_work(wq, w)      sets w's pending bit; if it was clear, queues w on
//                          the pool of the caller's node; returns whether it queued
//   worker                 a host thread bound to its pool's cpumask: each
//                          work runs "on" a CPU of mask & online (recorded),
//                          holding w's lock map, as process_one_work does
//   flush_work(w)          takes and drops w's lock map (the checker sees
//                          "held locks -> w"), then waits until the last
//                          queued instance of w has run; returns whether it waited
//
// A worker is a host thread of its own, not a vCPU's thread: a work item
// may sleep on a lock that the CPU it stands on must release to serve a
// hotplug step, which on the vCPU's one thread would be a deadlock the
// kernel does not have.
#pragma once

#include <pokebench/harness/hotplug.hpp>
#include <pokebench/harness/lockdep.hpp>
#include <pokebench/harness/seqcount.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace pokebench::harness {

using cpumask_t = std::uint64_t;  // a bit per CPU, as CpuHotplug's masks

// "{}" or "{0,2-3}" (the kernel's %*pbl list).
std::string cpumask_str(cpumask_t m);

// The cpu-to-node map: each CPU's node (cpu_to_node, PowerPC's
// numa_cpu_lookup_table) and each node's CPUs (cpumask_of_node,
// node_to_cpumask_map). Two structures, so a reader of both can see them
// disagree while a CPU moves. A move is published under a seqcount:
// readers that want a consistent view retry on it (read_begin/read_retry);
// plain readers see whatever the words hold. One mover at a time.
class CpuNodeMap {
 public:
  static constexpr int kMaxNodes = 8;
  // `node_of_cpu[c]` is CPU c's node at boot; nodes are 0 .. nr_nodes-1.
  CpuNodeMap(unsigned nr_nodes, const std::vector<int>& node_of_cpu);

  unsigned nr_node_ids() const noexcept { return nr_nodes_; }
  unsigned nr_cpu_ids() const noexcept { return ncpus_; }
  int cpu_to_node(unsigned cpu) const noexcept { return node_[cpu].load(std::memory_order_relaxed); }
  cpumask_t cpumask_of_node(int node) const noexcept { return mask_[node].load(std::memory_order_relaxed); }
  // The CPUs whose cpu_to_node() is `node`, one lookup per CPU.
  cpumask_t cpus_by_lookup(int node) const noexcept;

  // Moves `cpu` to node `to`, in the arch's steps, each followed by the
  // named point given to `hook` (on the mover's thread):
  //   "numa_move:begin"     nothing changed yet
  //   write_seqcount_begin
  //   set in cpumask_of_node(to)            -> "numa_move:added"
  //   cpu_to_node(cpu) = to                 -> "numa_move:remapped"
  //   cleared from cpumask_of_node(from)
  //   write_seqcount_end                    -> "numa_move:done"
  void move_cpu(unsigned cpu, int to);
  std::function<void(const char* point, unsigned cpu)> hook;

  // A consistent view: read_begin waits while a move is in flight (calling
  // `reader_waits` on each look, so a deterministic test can let the mover
  // go), read_retry says whether a move ran since read_begin.
  unsigned read_begin() const;
  bool read_retry(unsigned seq) const;
  std::function<void()> reader_waits;
  // The sequence as it is (odd while a move is in flight), for statistics:
  // a plain reader may compare it before and after to count what it raced.
  unsigned sequence() const noexcept { return seqcount_value(&seq_); }

 private:
  void at(const char* point, unsigned cpu) {
    if (hook) hook(point, cpu);
  }
  unsigned nr_nodes_, ncpus_;
  std::array<std::atomic<int>, CpuHotplug::kMaxCpus> node_{};
  std::array<std::atomic<cpumask_t>, kMaxNodes> mask_{};
  seqcount_t seq_{};
};

class WorkerPool;
class Workqueue;

// struct work_struct with its lockdep map: the checker knows a work by its
// name, and a worker holds it while the work runs.
class WorkStruct : public LockBase {
 public:
  WorkStruct(LockDep& dep, std::string name, std::function<void()> fn);
  bool pending() const;
  std::uint64_t runs() const;
  int last_cpu() const;      // the CPU its last run was on, -1 if it never ran
  cpumask_t ran_on() const;  // every CPU it has run on

 private:
  friend class WorkerPool;
  friend bool queue_work_node(int node, Workqueue& wq, WorkStruct& w);
  friend bool flush_work(WorkStruct& w);
  std::function<void()> fn_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool pending_ = false;
  std::uint64_t queued_ = 0, finished_ = 0;  // instances queued, and run to their end
  std::uint64_t runs_ = 0;
  int last_cpu_ = -1;
  cpumask_t ran_on_ = 0;
};

// What worker_attach_to_pool() did: set_cpus_allowed_ptr(worker, mask).
struct WorkerBinding {
  std::string worker;  // "kworker/u<pool>:<n>"
  unsigned pool_id = 0;
  int node = 0;
  cpumask_t cpumask = 0;  // what the worker may run on
  cpumask_t online = 0;   // cpu_online_mask at the binding
};

// An unbound workqueue: one pool per node, each with a cpumask (its attrs).
class Workqueue {
 public:
  // Every node starts with a pool on `attrs` (the default attrs' cpumask).
  // `on_bind`, if set, sees every worker binding, this constructor's too.
  Workqueue(const CpuHotplug& hp, const CpuNodeMap& map, std::string wq_name, cpumask_t attrs,
            std::function<void(const WorkerBinding&)> on_bind = {});
  ~Workqueue();  // runs what is queued, then stops the workers
  Workqueue(const Workqueue&) = delete;
  Workqueue& operator=(const Workqueue&) = delete;

  const std::string& name() const noexcept { return name_; }
  cpumask_t attrs_cpumask() const noexcept { return attrs_; }
  const CpuNodeMap& map() const noexcept { return map_; }
  // The cpumask of node `node`'s pool.
  cpumask_t node_cpumask(int node) const;
  // apply_workqueue_attrs' step for one node: node `node` uses a pool on
  // `cpumask` from now on (get_unbound_pool: an existing pool with that
  // mask is shared, else a new one whose first worker is attached to it
  // and reported to `on_bind`, on this thread). Works already queued on
  // the old pool still run there. Callers serialise their calls (the
  // kernel's wq_pool_mutex).
  void set_node_pool(int node, cpumask_t cpumask);
  // Pools created so far, and workers that found no online CPU in their
  // mask and ran on the fallback (select_fallback_rq: the first online CPU).
  unsigned pools_created() const noexcept { return next_pool_id_.load(); }
  std::uint64_t fallbacks() const noexcept { return fallbacks_.load(std::memory_order_relaxed); }

 private:
  friend class WorkerPool;
  friend bool queue_work_node(int node, Workqueue& wq, WorkStruct& w);
  std::shared_ptr<WorkerPool> pool_of(int node) const;
  const CpuHotplug& hp_;
  const CpuNodeMap& map_;
  std::string name_;
  cpumask_t attrs_;
  std::function<void(const WorkerBinding&)> on_bind_;
  mutable std::mutex m_;                              // guards pools_ and retired_
  std::vector<std::shared_ptr<WorkerPool>> pools_;    // by node
  std::vector<std::shared_ptr<WorkerPool>> retired_;  // drained, then joined
  std::atomic<unsigned> next_pool_id_{0};
  std::atomic<std::uint64_t> fallbacks_{0};
};

// The kernel's calls. queue_work uses the caller's node (a worker's CPU's
// node; node 0 for any other thread).
bool queue_work_node(int node, Workqueue& wq, WorkStruct& w);
bool queue_work(Workqueue& wq, WorkStruct& w);
bool flush_work(WorkStruct& w);
// The CPU the calling worker's current work runs on (raw_smp_processor_id
// inside a work), -1 outside a work.
int worker_cpu() noexcept;

}  // namespace pokebench::harness
