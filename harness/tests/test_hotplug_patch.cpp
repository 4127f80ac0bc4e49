// Patching meets hotplug: a key change through a policy that carries the
// machine's hotplug lock (CpuHotplug::patch_lock()) holds cpus_read_lock from
// its first sync to its last, so a vCPU that comes online is never left out
// of a sync it should take; the _cpuslocked forms refuse a caller without the
// lock. The oracle: every CPU online when the patch completed took every sync
// of the patch, or came up after it (serialised at bring-up). Negative
// control: the same patch with no lock attached, a cpu_up forced between the
// first sync and the second write, and the oracle fires.
#include <linux/cpu.h>
#include <linux/jump_label.h>
#include <pokebench/patcher/warn.h>
#include <pokebench/harness/hotplug.hpp>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

namespace pokebench::harness {
namespace {

namespace pp = patcher;

DEFINE_STATIC_KEY_FALSE(hotplug_patch_key);
[[gnu::noinline]] bool hotplug_patch_site() { return static_branch_unlikely(&hotplug_patch_key); }

constexpr unsigned kCpus = 3;

// Which vCPU took which sync, and what each patch left behind.
struct SyncOracle {
  explicit SyncOracle(CpuHotplug& h) : hp(h) {
    bringup.name = "bring-up recorder";
    bringup.starting = [this](unsigned cpu) {
      brought_up_at[cpu].store(clock.fetch_add(1, std::memory_order_acq_rel) + 1, std::memory_order_release);
    };
    EXPECT_EQ(hp.register_cpu_notifier(&bringup), 0);
  }
  ~SyncOracle() { hp.unregister_cpu_notifier(&bringup); }

  static void record_sync(void* info) {
    auto* self = static_cast<SyncOracle*>(info);
    sync_core();
    for (unsigned c = 0; c < kCpus; ++c)
      if (&self->hp.vcpu(c) == this_vcpu()) self->syncs[c].fetch_add(1, std::memory_order_acq_rel);
  }

  // The policy: on_each_cpu(record_sync) as the sync, the observer checking
  // the patch at its first write and after its last sync. `between` runs
  // after the first sync, before the second write (the deterministic hook).
  pp::Config policy(bool with_hotplug_lock) {
    pp::Config cfg;
    cfg.cpu_sync = [this] { hp.vcpu(0).machine->on_each_cpu(record_sync, this, "record_sync"); };
    if (with_hotplug_lock) cfg.cpus_lock = hp.patch_lock();
    cfg.observer = [this](const pp::PatchEvent& ev) { observe(ev); };
    return cfg;
  }

  void observe(const pp::PatchEvent& ev) {
    if (ev.index == 0 && ev.phase == pp::Phase::int3 && ev.step == pp::Step::before_write) {
      for (unsigned c = 0; c < kCpus; ++c) at_start[c] = syncs[c].load(std::memory_order_acquire);
      patch_syncs = 0;
      if (check_lock_held) lock_held_throughout = hp.cpu_hotplug_lock().held_by_me();
    }
    if (check_lock_held && !hp.cpu_hotplug_lock().held_by_me()) lock_held_throughout = false;
    if (ev.step != pp::Step::after_sync) return;
    ++patch_syncs;
    if (ev.phase == pp::Phase::int3 && between) between();
    if (ev.phase == pp::Phase::head && ev.batch + 1 == ev.batches) complete();
  }

  // After the last sync: the patch is complete. Every CPU online now took
  // every one of its syncs (it was online throughout), else it came up during
  // the patch and missed one: a violation.
  void complete() {
    ++patches;
    completed_at = clock.fetch_add(1, std::memory_order_acq_rel) + 1;
    const std::uint64_t online = hp.cpu_online_mask();
    for (unsigned c = 0; c < kCpus; ++c) {
      if (!((online >> c) & 1)) continue;
      const std::uint64_t took = syncs[c].load(std::memory_order_acquire) - at_start[c];
      if (took != patch_syncs) {
        ++violations;
        last_violation = "cpu" + std::to_string(c) + " online when the patch completed took " + std::to_string(took) +
                         " of its " + std::to_string(patch_syncs) + " syncs";
      }
    }
  }

  CpuHotplug& hp;
  CpuhpCallbacks bringup;
  std::atomic<std::uint64_t> clock{0};
  std::array<std::atomic<std::uint64_t>, kCpus> syncs{}, brought_up_at{};
  std::array<std::uint64_t, kCpus> at_start{};
  std::uint64_t patch_syncs = 0, patches = 0, violations = 0, completed_at = 0;
  std::string last_violation;
  std::function<void()> between;
  bool check_lock_held = false, lock_held_throughout = false;
};

void reset_key() {
  if (static_key_enabled(&hotplug_patch_key)) pp::static_key_disable(&hotplug_patch_key.key, pp::Config{});
}

// A machine of kCpus hotpluggable vCPUs (`online` at start), the oracle on
// it, the key disabled.
struct Rig {
  explicit Rig(std::uint64_t online) : hp(m, dep, kCpus, online), o(hp) { reset_key(); }
  ~Rig() { reset_key(); }
  Machine m;
  LockDep dep;
  CpuHotplug hp;
  SyncOracle o;
};

TEST(HotplugPatch, ACpuUpRacingAPatchOnRealThreadsNeverMissesASync) {
  Rig rig(0b001);
  CpuHotplug& hp = rig.hp;
  SyncOracle& o = rig.o;
  const pp::Config policy = o.policy(true);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> churn{0};
  std::thread hotplug([&] {
    LockDep::name_thread("hotplug churn");
    for (unsigned i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      const unsigned cpu = 1 + i % 2;
      if ((hp.cpu_online(cpu) ? hp.cpu_down(cpu) : hp.cpu_up(cpu)) == 0) churn.fetch_add(1);
    }
  });
  constexpr int kRounds = 150;
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_TRUE(pp::static_key_slow_inc(&hotplug_patch_key.key, policy));
    EXPECT_TRUE(hotplug_patch_site());
    pp::static_key_slow_dec(&hotplug_patch_key.key, policy);
    EXPECT_FALSE(hotplug_patch_site());
  }
  stop = true;
  hotplug.join();
  EXPECT_EQ(o.patches, 2u * kRounds);
  EXPECT_EQ(o.violations, 0u) << o.last_violation;
  EXPECT_GT(churn.load(), 0u) << "no CPU came or went while the patches ran";
  std::printf("%llu patches, %llu cpu_up/cpu_down meanwhile, 0 syncs missed\n",
              static_cast<unsigned long long>(o.patches), static_cast<unsigned long long>(churn.load()));
}

TEST(HotplugPatch, ACpuUpInTheMiddleOfAPatchWaitsAndComesUpSerialisedAfterIt) {
  Rig rig(0b001);
  CpuHotplug& hp = rig.hp;
  SyncOracle& o = rig.o;
  const pp::Config policy = o.policy(true);
  std::thread up;
  std::atomic<int> up_ret{1};
  o.between = [&] {
    // cpu_up(1) starts between the first sync and the second write; it can
    // get no further than cpus_write_lock() until the patch is done.
    up = std::thread([&] {
      LockDep::name_thread("cpu_up(1)");
      up_ret = hp.cpu_up(1);
    });
    while (!rig.dep.has_waiter(hp.cpu_hotplug_lock())) std::this_thread::yield();
    EXPECT_FALSE(hp.cpu_online(1));
  };
  ASSERT_TRUE(pp::static_key_slow_inc(&hotplug_patch_key.key, policy));
  up.join();
  EXPECT_EQ(up_ret.load(), 0);
  EXPECT_EQ(o.violations, 0u) << o.last_violation;
  EXPECT_TRUE(hp.cpu_online(1));
  EXPECT_GT(o.brought_up_at[1].load(), o.completed_at) << "cpu1 came up before the patch completed";
  EXPECT_TRUE(hotplug_patch_site());
}

// Negative control: no hotplug lock in the policy (the test seam), the same
// cpu_up forced into the same gap: it completes there, cpu1 misses the first
// sync and the oracle reports it.
TEST(HotplugPatch, WithoutTheHotplugLockACpuUpMidPatchMissesASync) {
  Rig rig(0b001);
  CpuHotplug& hp = rig.hp;
  SyncOracle& o = rig.o;
  const pp::Config policy = o.policy(false);
  o.between = [&] {
    std::thread up([&] { EXPECT_EQ(hp.cpu_up(1), 0); });
    up.join();
  };
  ASSERT_TRUE(pp::static_key_slow_inc(&hotplug_patch_key.key, policy));
  EXPECT_EQ(o.violations, 1u);
  EXPECT_EQ(o.last_violation, "cpu1 online when the patch completed took 2 of its 3 syncs");
  EXPECT_LT(o.brought_up_at[1].load(), o.completed_at);
}

TEST(HotplugPatch, CpuslockedWithoutTheHotplugLockIsRefusedAndReported) {
  Machine m;
  LockDep dep;
  CpuHotplug hp(m, dep, 2, 0b01);
  reset_key();
  pp::Config policy;
  policy.cpus_lock = hp.patch_lock();
  const std::uint64_t refused = pp::stats().cpus_lock_not_held;
  const unsigned long warnings = pokebench_warn_count();
  EXPECT_FALSE(pp::static_key_slow_inc_cpuslocked(&hotplug_patch_key.key, policy));
  EXPECT_FALSE(static_key_enabled(&hotplug_patch_key));
  pp::static_key_enable_cpuslocked(&hotplug_patch_key.key, policy);
  EXPECT_FALSE(static_key_enabled(&hotplug_patch_key));
  EXPECT_EQ(pp::stats().cpus_lock_not_held, refused + 2);
  EXPECT_EQ(pokebench_warn_count(), warnings + 2);

  hp.cpus_read_lock();
  EXPECT_TRUE(pp::static_key_slow_inc_cpuslocked(&hotplug_patch_key.key, policy));
  EXPECT_TRUE(hotplug_patch_site());
  pp::static_key_slow_dec_cpuslocked(&hotplug_patch_key.key, policy);
  EXPECT_FALSE(hotplug_patch_site());
  hp.cpus_read_unlock();
  EXPECT_EQ(pp::stats().cpus_lock_not_held, refused + 2);
}

// Kernel C spelling: under a ScopedPolicy carrying the machine's lock, the
// kernel's static_key_slow_inc() takes that lock (kernel/src/cpu.cpp), and
// its _cpuslocked form without it is refused.
TEST(HotplugPatch, KernelSpelledKeyChangesTakeTheMachinesHotplugLock) {
  Rig rig(0b011);
  CpuHotplug& hp = rig.hp;
  SyncOracle& o = rig.o;
  const pp::Config policy = o.policy(true);
  pp::ScopedPolicy scope(policy);
  o.check_lock_held = true;
  ::static_key_slow_inc(&hotplug_patch_key.key);
  EXPECT_TRUE(o.lock_held_throughout);
  EXPECT_TRUE(hotplug_patch_site());
  EXPECT_FALSE(hp.cpu_hotplug_lock().held_by_me()) << "the lock outlived the key change";
  const std::uint64_t refused = pp::stats().cpus_lock_not_held;
  ::static_key_slow_dec_cpuslocked(&hotplug_patch_key.key);
  EXPECT_TRUE(hotplug_patch_site()) << "a _cpuslocked change without the lock went through";
  EXPECT_EQ(pp::stats().cpus_lock_not_held, refused + 1);
  cpus_read_lock();
  EXPECT_TRUE(hp.cpu_hotplug_lock().held_by_me());
  ::static_key_slow_dec_cpuslocked(&hotplug_patch_key.key);
  cpus_read_unlock();
  EXPECT_FALSE(hotplug_patch_site());
  EXPECT_EQ(o.violations, 0u);
}

}  // namespace
}  // namespace pokebench::harness
