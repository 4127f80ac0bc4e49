// Workqueues on the emulated machine: a queued work runs once, flush_work
// waits for it (and not for an idle work), the pending bit merges a second
// queueing, a worker runs only on its pool's cpumask, flush_work's lock map
// puts "held locks -> work" in the checker's graph, and the cpu-to-node map's
// two views disagree while a CPU moves unless the reader retries.
#include <pokebench/harness/workqueue.hpp>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace pokebench::harness {
namespace {

// Four CPUs, all online; cpu0-1 on node 0, cpu2-3 on node 1; one unbound
// workqueue on every CPU, its bindings recorded.
struct Fixture {
  Machine m;
  LockDep dep;
  CpuHotplug hp{m, dep, 4, 0b1111};
  CpuNodeMap map{2, {0, 0, 1, 1}};
  std::mutex bm;
  std::vector<WorkerBinding> bindings;
  Workqueue wq{hp, map, "test_unbound", 0b1111, [this](const WorkerBinding& b) {
                 std::lock_guard g(bm);
                 bindings.push_back(b);
               }};
};

TEST(Workqueue, AQueuedWorkRunsOnceAndFlushSaysItWaitedOrFoundItDone) {
  Fixture f;
  std::atomic<int> runs{0};
  WorkStruct w(f.dep, "count_work", [&] { runs.fetch_add(1); });
  EXPECT_FALSE(w.pending());
  EXPECT_TRUE(queue_work(f.wq, w));
  flush_work(w);  // waited, or found it already run: either way it has run once now
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(w.runs(), 1u);
  EXPECT_FALSE(w.pending());
  EXPECT_FALSE(flush_work(w));  // idle now: nothing to wait for
  EXPECT_EQ(runs.load(), 1);
}

TEST(Workqueue, FlushOfAWorkNeverQueuedReturnsFalseAtOnce) {
  Fixture f;
  WorkStruct w(f.dep, "idle_work", [] {});
  EXPECT_FALSE(flush_work(w));
  EXPECT_EQ(w.runs(), 0u);
  EXPECT_EQ(w.last_cpu(), -1);
}

TEST(Workqueue, FlushWaitsForARunningWork) {
  Fixture f;
  std::atomic<bool> started{false}, release{false};
  WorkStruct w(f.dep, "gated_work", [&] {
    started.store(true);
    while (!release.load()) cpu_relax();
  });
  ASSERT_TRUE(queue_work(f.wq, w));
  while (!started.load()) cpu_relax();
  std::atomic<bool> returned{false}, waited{false};
  std::thread flusher([&] {
    LockDep::name_thread("flusher");
    waited.store(flush_work(w));
    returned.store(true);
  });
  // The flusher has found the work's map taken and sleeps on it.
  while (!f.dep.has_waiter(w)) cpu_relax();
  EXPECT_FALSE(returned.load());
  release.store(true);
  flusher.join();
  EXPECT_TRUE(waited.load());
  EXPECT_EQ(w.runs(), 1u);
}

// Once flush_work returns, the worker no longer touches the work: a work
// on the stack may go at once (before the fix, the worker woke the
// flushers after dropping the work's lock: a use after scope).
TEST(Workqueue, AFlushedWorkMayBeDestroyedAtOnce) {
  Fixture f;
  for (int i = 0; i < 200; ++i) {
    WorkStruct w(f.dep, "stack_work", [] {});
    ASSERT_TRUE(queue_work(f.wq, w));
    flush_work(w);
    EXPECT_EQ(w.runs(), 1u);
  }
}

TEST(Workqueue, AWorkQueuedTwiceBeforeItRunsRunsOnce) {
  Fixture f;
  std::atomic<bool> release{false};
  std::atomic<int> runs{0};
  // The pool's one worker is busy with `blocker` while `w` is queued twice.
  WorkStruct blocker(f.dep, "blocker", [&] {
    while (!release.load()) cpu_relax();
  });
  WorkStruct w(f.dep, "twice_work", [&] { runs.fetch_add(1); });
  ASSERT_TRUE(queue_work_node(1, f.wq, blocker));
  EXPECT_TRUE(queue_work_node(1, f.wq, w));
  EXPECT_TRUE(w.pending());
  EXPECT_FALSE(queue_work_node(1, f.wq, w));  // the pending bit was set: merged
  release.store(true);
  EXPECT_TRUE(flush_work(w));
  EXPECT_EQ(runs.load(), 1);
  EXPECT_TRUE(queue_work_node(1, f.wq, w));  // run: it may be queued again
  flush_work(w);
  EXPECT_EQ(runs.load(), 2);
}

TEST(Workqueue, AWorkerRunsOnlyOnItsPoolsCpumask) {
  Fixture f;
  f.wq.set_node_pool(1, 0b1100);
  EXPECT_EQ(f.wq.node_cpumask(1), 0b1100u);
  EXPECT_EQ(f.wq.node_cpumask(0), 0b1111u);
  {
    std::lock_guard g(f.bm);
    ASSERT_EQ(f.bindings.size(), 2u);  // the default pool (shared by both nodes), then node 1's own
    EXPECT_EQ(f.bindings[0].cpumask, 0b1111u);
    EXPECT_EQ(f.bindings[1].cpumask, 0b1100u);
    EXPECT_EQ(f.bindings[1].node, 1);
    EXPECT_EQ(f.bindings[1].worker, "kworker/u1:0");
  }
  std::atomic<int> seen_cpu{-2};
  WorkStruct w(f.dep, "where_work", [&] { seen_cpu.store(worker_cpu()); });
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(queue_work_node(1, f.wq, w));
    flush_work(w);
    EXPECT_EQ(seen_cpu.load(), w.last_cpu());
  }
  EXPECT_EQ(w.ran_on(), 0b1100u);  // both of the pool's CPUs, no other
  ASSERT_EQ(f.hp.cpu_down(3), 0);
  const cpumask_t before = w.ran_on();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(queue_work_node(1, f.wq, w));
    flush_work(w);
    EXPECT_EQ(w.last_cpu(), 2);  // cpu3 is offline: only cpu2 is left
  }
  EXPECT_EQ(w.ran_on(), before);
  EXPECT_EQ(f.wq.fallbacks(), 0u);
  EXPECT_EQ(worker_cpu(), -1);  // not a worker
}

TEST(Workqueue, AWorkerWhoseMaskHasNoOnlineCpuRunsOnTheFallbackAndIsCounted) {
  Fixture f;
  ASSERT_EQ(f.hp.cpu_down(3), 0);
  f.wq.set_node_pool(1, 0b1000);
  WorkStruct w(f.dep, "stray_work", [] {});
  ASSERT_TRUE(queue_work_node(1, f.wq, w));
  flush_work(w);
  EXPECT_EQ(w.last_cpu(), 0);
  EXPECT_EQ(f.wq.fallbacks(), 1u);
}

TEST(Workqueue, FlushingAWorkWhileHoldingALockTheWorkTakesIsAnInversion) {
  Fixture f;
  Mutex l(f.dep, "L");
  WorkStruct w(f.dep, "takes_L_work", [&] {
    l.lock();
    l.unlock();
  });
  ASSERT_TRUE(queue_work(f.wq, w));
  flush_work(w);  // the run recorded takes_L_work -> L
  EXPECT_TRUE(f.dep.inversions().empty());
  l.lock();
  EXPECT_FALSE(flush_work(w));  // idle, yet the map is taken: L -> takes_L_work
  l.unlock();
  const std::vector<std::string> inv = f.dep.inversions();
  ASSERT_EQ(inv.size(), 1u);
  EXPECT_THAT(inv[0], testing::HasSubstr("possible circular locking dependency"));
  EXPECT_THAT(inv[0], testing::HasSubstr("takes_L_work -> L"));
  EXPECT_THAT(inv[0], testing::HasSubstr("L -> takes_L_work"));
}

TEST(CpuNodeMap, AMovingCpuIsInBothViewsOnlyOnceTheMoveIsDone) {
  CpuNodeMap map(2, {0, 0, 0, 0});
  EXPECT_EQ(map.cpumask_of_node(0), 0b1111u);
  EXPECT_EQ(map.cpumask_of_node(1), 0u);
  std::vector<std::string> points;
  map.hook = [&](const char* p, unsigned cpu) {
    EXPECT_EQ(cpu, 1u);
    points.emplace_back(p);
    if (points.back() == "numa_move:added") {
      // Node 1's two views disagree: its mask has cpu1, cpu1's node is still 0.
      EXPECT_EQ(map.cpumask_of_node(1), 0b10u);
      EXPECT_EQ(map.cpus_by_lookup(1), 0u);
    }
  };
  const unsigned seq = map.read_begin();
  map.move_cpu(1, 1);
  EXPECT_TRUE(map.read_retry(seq));  // a reader that began before the move retries
  EXPECT_EQ((std::vector<std::string>{"numa_move:begin", "numa_move:added", "numa_move:remapped", "numa_move:done"}),
            points);
  EXPECT_EQ(map.cpu_to_node(1), 1);
  EXPECT_EQ(map.cpumask_of_node(1), 0b10u);
  EXPECT_EQ(map.cpus_by_lookup(1), 0b10u);
  EXPECT_EQ(map.cpumask_of_node(0), 0b1101u);
  EXPECT_FALSE(map.read_retry(map.read_begin()));
}

TEST(CpuNodeMap, AConsistentReaderWaitsForAMoveInFlight) {
  CpuNodeMap map(2, {0, 0});
  std::atomic<bool> in_move{false}, let_go{false}, reader_waited{false};
  map.hook = [&](const char* p, unsigned) {
    if (std::string(p) != "numa_move:added") return;
    in_move.store(true);
    while (!let_go.load()) cpu_relax();
  };
  map.reader_waits = [&] {
    reader_waited.store(true);
    let_go.store(true);
  };
  std::thread mover([&] { map.move_cpu(1, 1); });
  while (!in_move.load()) cpu_relax();
  const unsigned seq = map.read_begin();  // waits until the move is done
  const cpumask_t mask = map.cpumask_of_node(1), lookup = map.cpus_by_lookup(1);
  mover.join();
  EXPECT_TRUE(reader_waited.load());
  EXPECT_FALSE(map.read_retry(seq));
  EXPECT_EQ(mask, 0b10u);
  EXPECT_EQ(lookup, 0b10u);
}

TEST(CpumaskStr, PrintsTheKernelsList) {
  EXPECT_EQ(cpumask_str(0), "{}");
  EXPECT_EQ(cpumask_str(0b1101), "{0,2-3}");
  EXPECT_EQ(cpumask_str(0b10), "{1}");
}

}  // namespace
}  // namespace pokebench::harness
