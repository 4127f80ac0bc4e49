// The lock-order checker and the deadlock watchdog, each with its negative
// control: a consistent order never reports, an inverted one always does; a
// slow holder is no deadlock, a real cycle is.
#include <pokebench/harness/lockdep.hpp>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <atomic>
#include <thread>

namespace pokebench::harness {
namespace {

using namespace std::chrono_literals;

TEST(LockDep, ConsistentOrderNeverReports) {
  LockDep dep;
  Mutex a(dep, "lock_a"), b(dep, "lock_b"), c(dep, "lock_c");
  auto body = [&] {
    for (int i = 0; i < 200; ++i) {
      Locked la(a);
      Locked lb(b);
      Locked lc(c);
    }
  };
  std::thread t1(body), t2(body);
  t1.join();
  t2.join();
  EXPECT_TRUE(dep.inversions().empty()) << dep.inversions().front();
  EXPECT_TRUE(dep.deadlocks().empty());
}

TEST(LockDep, InvertedOrderReportsBothChainsBeforeAnyDeadlock) {
  LockDep dep;
  Mutex a(dep, "cgroup_mutex"), b(dep, "cpu_add_remove_lock");
  std::string seen;
  dep.on_inversion = [&](const std::string& r) { seen = r; };
  std::thread([&] {
    LockDep::name_thread("first");
    Locked la(a);
    Locked lb(b);
  }).join();
  // One thread at a time: nothing can deadlock, the order alone is reported.
  std::thread([&] {
    LockDep::name_thread("second");
    Locked lb(b);
    Locked la(a);
  }).join();
  ASSERT_EQ(dep.inversions().size(), 1u);
  EXPECT_EQ(seen, dep.inversions().front());
  EXPECT_THAT(seen, testing::HasSubstr("possible circular locking dependency"));
  EXPECT_THAT(seen, testing::HasSubstr("cgroup_mutex -> cpu_add_remove_lock   (first taken in this order by first"));
  EXPECT_THAT(seen, testing::HasSubstr("cpu_add_remove_lock -> cgroup_mutex   (taken in this order by second"));
  EXPECT_TRUE(dep.deadlocks().empty());
}

TEST(LockDep, ThreeLockCycleNamesTheWholeChain) {
  LockDep dep;
  Mutex a(dep, "A"), b(dep, "B"), c(dep, "C");
  {
    Locked la(a);
    Locked lb(b);
  }
  {
    Locked lb(b);
    Locked lc(c);
  }
  EXPECT_TRUE(dep.inversions().empty());
  {
    Locked lc(c);
    Locked la(a);
  }
  ASSERT_EQ(dep.inversions().size(), 1u);
  const std::string r = dep.inversions().front();
  EXPECT_THAT(r, testing::HasSubstr("A -> B"));
  EXPECT_THAT(r, testing::HasSubstr("B -> C"));
  EXPECT_THAT(r, testing::HasSubstr("C -> A"));
}

TEST(LockDep, WatchdogReportsARealDeadlockWithHoldersAndWaiters) {
  LockDep dep(LockDep::Config{100ms, true});
  Mutex a(dep, "lock_a"), b(dep, "lock_b");
  std::atomic<int> holding{0};
  std::atomic<int> abandoned{0};
  auto body = [&](Mutex& first, Mutex& second, const char* name) {
    LockDep::name_thread(name);
    try {
      Locked l1(first);
      holding.fetch_add(1);
      while (holding.load() < 2) std::this_thread::yield();
      Locked l2(second);
    } catch (const DeadlockAbandoned&) {
      abandoned.fetch_add(1);
    }
  };
  std::thread t1(body, std::ref(a), std::ref(b), "t1"), t2(body, std::ref(b), std::ref(a), "t2");
  t1.join();
  t2.join();
  EXPECT_GE(abandoned.load(), 1);
  ASSERT_FALSE(dep.deadlocks().empty());
  const std::string r = dep.deadlocks().front();
  EXPECT_THAT(r, testing::HasSubstr("t1 holds [lock_a] and waits for lock_b"));
  EXPECT_THAT(r, testing::HasSubstr("t2 holds [lock_b] and waits for lock_a"));
  EXPECT_EQ(dep.inversions().size(), 1u) << "the order checker sees it too";
}

TEST(LockDep, SlowHolderIsNoDeadlock) {
  LockDep dep(LockDep::Config{50ms, true});
  Mutex a(dep, "lock_a");
  std::atomic<bool> held{false};
  std::thread holder([&] {
    Locked l(a);
    held = true;
    std::this_thread::sleep_for(300ms);  // six watchdog periods, but it does not wait for anyone
  });
  while (!held) std::this_thread::yield();
  EXPECT_NO_THROW({ Locked l(a); });
  holder.join();
  EXPECT_TRUE(dep.deadlocks().empty());
}

// A thread between acquire() and its look at a free lock (widened by the
// stall seam) is no waiter; one that found the lock taken is (the control).
TEST(LockDep, OnlyAThreadThatFoundTheLockTakenIsAWaiter) {
  LockDep dep;
  dep.stall_before_taking("stalled", 50ms);
  Mutex m(dep, "cpu_add_remove_lock");
  std::atomic<bool> taken{false};
  auto take = [&] {
    LockDep::name_thread("stalled");
    Locked l(m);
    taken = true;
  };
  std::thread free_lock(take);
  bool seen = false;
  while (!taken) seen = seen || dep.has_waiter(m);
  free_lock.join();
  EXPECT_FALSE(seen) << "a thread on its way into a free lock was counted as blocked";

  taken = false;
  std::thread held_lock;
  {
    Locked l(m);
    held_lock = std::thread(take);
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!dep.has_waiter(m) && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    EXPECT_TRUE(dep.has_waiter(m)) << "a thread waiting for a held lock was not counted";
    EXPECT_FALSE(taken.load());
  }
  held_lock.join();
  EXPECT_TRUE(taken.load());
  EXPECT_FALSE(dep.has_waiter(m));
}

TEST(PercpuRwsem, AWaitingWriterHoldsNewReadersBack) {
  LockDep dep;
  PercpuRwsem s(dep, "cpu_hotplug_lock");
  s.down_read();
  std::atomic<bool> wrote{false}, second_read{false};
  std::thread writer([&] {
    s.down_write();
    wrote = true;
    s.up_write();
  });
  std::this_thread::sleep_for(30ms);  // the writer is waiting for us now
  std::thread reader([&] {
    s.down_read();
    second_read = true;
    EXPECT_TRUE(wrote.load()) << "a new reader overtook the waiting writer";
    s.up_read();
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(wrote.load());
  EXPECT_FALSE(second_read.load());
  s.up_read();
  writer.join();
  reader.join();
  EXPECT_TRUE(second_read.load());
}

TEST(Completion, WaiterSeesTheWorkersLocks) {
  // flush_work with a lock held that the work takes: reported as an order.
  LockDep dep;
  Mutex m(dep, "cgroup_mutex");
  Completion done(dep, "(work_completion)(&cpuset_hotplug_work)");
  std::thread worker([&] {
    done.begin_work();
    { Locked l(m); }
    done.end_work();
  });
  worker.join();
  {
    Locked l(m);
    done.wait();  // done already: returns, but the order is recorded
  }
  ASSERT_EQ(dep.inversions().size(), 1u);
  EXPECT_THAT(dep.inversions()[0], testing::HasSubstr("(work_completion)(&cpuset_hotplug_work) -> cgroup_mutex"));
}

}  // namespace
}  // namespace pokebench::harness
