// CPU hotplug on the emulated machine: the masks, the callback order and
// where each callback runs, IPIs to online vCPUs only, the dying vCPU's
// flush, the notifier chain's locking, and a callback that takes the hotplug
// lock on the target caught by the order checker and the watchdog.
#include <pokebench/harness/hotplug.hpp>

#include <gtest/gtest.h>

#include "test_support.hpp"

#include <atomic>
#include <mutex>
#include <thread>

namespace pokebench::harness {
namespace {

using namespace std::chrono_literals;

struct Call {
  std::string what;
  unsigned cpu;
  std::string where;  // the vCPU's name, or "control"
  bool irqs_masked;
  bool hotplug_lock_held;
};

struct Recorder {
  std::mutex m;
  std::vector<Call> calls;
  CpuhpCallbacks cb;
  explicit Recorder(CpuHotplug& hp) {
    cb.name = "recorder";
    auto rec = [this, &hp](const char* what) {
      return [this, &hp, what](unsigned cpu) {
        const Vcpu* v = this_vcpu();
        std::lock_guard g(m);
        calls.push_back({what, cpu, v ? v->name : "control", irqs_disabled(), hp.cpu_hotplug_lock().held_by_me()});
      };
    };
    cb.prepare = rec("prepare");
    cb.starting = rec("starting");
    cb.online = rec("online");
    cb.offline = rec("offline");
    cb.dying = rec("dying");
    cb.dead = rec("dead");
    cb.post_dead = rec("post_dead");
  }
};

TEST(Hotplug, MasksFollowCpuUpAndDown) {
  Machine m;
  LockDep dep;
  CpuHotplug hp(m, dep, 3, 0b011);
  EXPECT_EQ(hp.cpu_possible_mask(), 0b111u);
  EXPECT_EQ(hp.cpu_present_mask(), 0b111u);
  EXPECT_EQ(hp.cpu_online_mask(), 0b011u);
  EXPECT_EQ(hp.cpu_active_mask(), 0b011u);
  EXPECT_EQ(hp.cpu_up(2), 0);
  EXPECT_EQ(hp.cpu_online_mask(), 0b111u);
  EXPECT_EQ(hp.cpu_active_mask(), 0b111u);
  EXPECT_EQ(hp.cpu_up(2), -EINVAL);
  EXPECT_EQ(hp.cpu_down(0), 0);
  EXPECT_EQ(hp.cpu_online_mask(), 0b110u);
  EXPECT_EQ(hp.cpu_down(0), -EINVAL);
  EXPECT_EQ(hp.cpu_down(1), 0);
  EXPECT_EQ(hp.cpu_down(2), -EBUSY) << "the last online CPU went down";
  EXPECT_EQ(hp.cpu_up(7), -EINVAL);
  EXPECT_EQ(hp.num_online_cpus(), 1u);
}

TEST(Hotplug, CallbacksRunWhereAndInTheOrderKernelCpuCDoes) {
  Machine m;
  LockDep dep;
  CpuHotplug hp(m, dep, 2, 0b11);
  Recorder r(hp);
  ASSERT_EQ(hp.register_cpu_notifier(&r.cb), 0);
  ASSERT_EQ(hp.cpu_down(1), 0);
  ASSERT_EQ(hp.cpu_up(1), 0);
  const std::vector<std::pair<std::string, std::string>> want{
      {"offline", "cpu1"},    {"dying", "cpu1"},    {"dead", "control"}, {"post_dead", "control"},
      {"prepare", "control"}, {"starting", "cpu1"}, {"online", "cpu1"}};
  ASSERT_EQ(r.calls.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const Call& c = r.calls[i];
    EXPECT_EQ(c.what, want[i].first) << i;
    EXPECT_EQ(c.where, want[i].second) << c.what;
    EXPECT_EQ(c.cpu, 1u) << c.what;
    // Starting and dying run with the target's IRQs masked; the rest in thread context.
    EXPECT_EQ(c.irqs_masked, c.what == "starting" || c.what == "dying") << c.what;
    // Prepare, dead: the control CPU holds the hotplug lock; post-dead runs after it dropped it.
    if (c.where == "control") {
      EXPECT_EQ(c.hotplug_lock_held, c.what != "post_dead") << c.what;
    }
  }
  EXPECT_EQ(hp.ups(), 1u);
  EXPECT_EQ(hp.downs(), 1u);
}

std::atomic<unsigned> g_ran_on{0};
void note_cpu(void*) {
  if (const Vcpu* v = this_vcpu()) g_ran_on.fetch_or(1u << v->id);
}

TEST(Hotplug, IpisReachOnlineVcpusOnlyAndOfflineOnesRunNothing) {
  Machine m;
  LockDep dep;
  std::atomic<std::uint64_t> steps[2] = {0, 0};
  CpuHotplug hp(m, dep, 2, 0b11, [&](unsigned cpu) {
    steps[cpu].fetch_add(1);
    std::this_thread::sleep_for(50us);
  });
  g_ran_on = 0;
  ASSERT_TRUE(m.on_each_cpu(note_cpu, nullptr, "note_cpu"));
  EXPECT_EQ(g_ran_on.load(), 0b11u);
  ASSERT_EQ(hp.cpu_down(1), 0);
  g_ran_on = 0;
  ASSERT_TRUE(m.on_each_cpu(note_cpu, nullptr, "note_cpu"));
  EXPECT_EQ(g_ran_on.load(), 0b01u) << "an IPI reached the offline vCPU";
  const std::uint64_t before = steps[1].load();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(steps[1].load(), before) << "an offline vCPU ran its work";
  EXPECT_GT(steps[0].load(), 0u);
  ASSERT_EQ(hp.cpu_up(1), 0);
  g_ran_on = 0;
  ASSERT_TRUE(m.on_each_cpu(note_cpu, nullptr, "note_cpu"));
  EXPECT_EQ(g_ran_on.load(), 0b11u);
}

TEST(Hotplug, ADyingVcpuRunsTheCallsQueuedOnIt) {
  Machine m;
  LockDep dep;
  CpuHotplug hp(m, dep, 2, 0b11);
  std::atomic<bool> in_dying{false};
  CpuhpCallbacks cb;
  cb.name = "slow_dying";
  // IRQs are masked here: an IPI sent now can only run in the final flush.
  cb.dying = [&](unsigned) {
    in_dying = true;
    while (hp.vcpu(1).call_queue.load() == nullptr) cpu_relax();
  };
  ASSERT_EQ(hp.register_cpu_notifier(&cb), 0);
  std::thread down([&] { EXPECT_EQ(hp.cpu_down(1), 0); });
  while (!in_dying) cpu_relax();
  g_ran_on = 0;
  ASSERT_TRUE(m.on_each_cpu(note_cpu, nullptr, "note_cpu"));  // would wait forever without the flush
  down.join();
  EXPECT_EQ(g_ran_on.load(), 0b11u) << "the call queued on the dying vCPU did not run there";
  EXPECT_FALSE(hp.cpu_online(1));
}

TEST(Hotplug, TheUnderscoreFormsNeedTheMapsLock) {
  Machine m;
  LockDep dep;
  CpuHotplug hp(m, dep, 1, 0b1);
  CpuhpCallbacks cb;
  EXPECT_EQ(hp.__register_cpu_notifier(&cb), -EPERM);
  hp.cpu_maps_update_begin();
  EXPECT_EQ(hp.__register_cpu_notifier(&cb), 0);
  EXPECT_EQ(hp.__unregister_cpu_notifier(&cb), 0);
  hp.cpu_maps_update_done();
  EXPECT_EQ(hp.register_cpu_notifier(&cb), 0);
  EXPECT_EQ(hp.unregister_cpu_notifier(&cb), 0);
  EXPECT_EQ(hp.unregister_cpu_notifier(&cb), -ENOENT);
}

// Negative control for the notifier above: an online callback that takes
// cpus_read_lock() on the target, while the control CPU holds the lock for
// writing and waits for the target. Reported as an order, then as a deadlock.
TEST(Hotplug, ACallbackTakingTheHotplugLockOnTheTargetIsReported) {
  Machine m;
  LockDep dep(LockDep::Config{200ms, true});
  CpuHotplug hp(m, dep, 2, 0b01);
  CpuhpCallbacks cb;
  cb.name = "takes_cpus_read_lock";
  cb.online = [&](unsigned) {
    hp.cpus_read_lock();
    hp.cpus_read_unlock();
  };
  ASSERT_EQ(hp.register_cpu_notifier(&cb), 0);
  try {
    hp.cpu_up(1);
  } catch (const DeadlockAbandoned&) {
    hp.cpu_hotplug_lock().up_write();  // unwinding what a real deadlock never would
    hp.cpu_maps_update_done();
  }
  ASSERT_EQ(dep.inversions().size(), 1u);
  EXPECT_THAT(dep.inversions()[0], testing::HasSubstr("cpu_hotplug_lock -> cpuhp/1"));
  EXPECT_THAT(dep.inversions()[0], testing::HasSubstr("cpuhp/1 -> cpu_hotplug_lock"));
  ASSERT_FALSE(dep.deadlocks().empty());
  EXPECT_THAT(dep.deadlocks()[0], testing::HasSubstr("holds [cpuhp/1] and waits for cpu_hotplug_lock"));
}

}  // namespace
}  // namespace pokebench::harness
