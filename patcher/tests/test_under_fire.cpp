// Under fire: one thread executes a key's sites in a tight loop while another
// flips the key, for every backend x int3 policy x apply mode. The reader must
// never crash, never take a stray SIGTRAP, and only ever see the old or the
// new branch.
#include <pokebench/patcher/patcher.hpp>
#include "print_params.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

namespace pp = pokebench::patcher;

namespace {

pokebench::static_key_false g_fire_key = POKEBENCH_STATIC_KEY_INIT_FALSE;

// Four sites of one key. Each returns 1 on the out-of-line (JMP) side and 2
// inline: anything else would mean a torn instruction was executed.
[[gnu::noinline]] int fire_site_a() { return POKEBENCH_STATIC_BRANCH_UNLIKELY(&g_fire_key) ? 1 : 2; }
[[gnu::noinline]] int fire_site_b() { return POKEBENCH_STATIC_BRANCH_UNLIKELY(&g_fire_key) ? 1 : 2; }
[[gnu::noinline]] int fire_site_c() { return POKEBENCH_STATIC_BRANCH_UNLIKELY(&g_fire_key) ? 1 : 2; }
[[gnu::noinline]] int fire_site_d() { return POKEBENCH_STATIC_BRANCH_UNLIKELY(&g_fire_key) ? 1 : 2; }

constexpr int kFlips = 100'000;

using Params = std::tuple<pp::Backend, pp::Int3Policy, pp::ApplyMode>;

class UnderFire : public ::testing::TestWithParam<Params> {};

TEST_P(UnderFire, ReaderSeesOnlyOldOrNewBranchWhileTheKeyFlips) {
  pp::Config cfg;
  std::tie(cfg.backend, cfg.int3, cfg.apply) = GetParam();
  const pp::ScopedPolicy policy(cfg);
  const pp::Stats before = pp::stats();

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> bad{0}, calls{0}, taken{0};
  std::thread reader([&] {
    std::uint64_t n = 0, t = 0, b = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      for (int (*site)() : {fire_site_a, fire_site_b, fire_site_c, fire_site_d}) {
        const int r = site();
        b += (r != 1 && r != 2);
        t += (r == 1);
        ++n;
      }
    }
    calls = n;
    taken = t;
    bad = b;
  });
  for (int i = 0; i < kFlips; ++i) {
    if (i % 2 == 0)
      pp::static_key_enable(&g_fire_key.key);
    else
      pp::static_key_disable(&g_fire_key.key);
  }
  stop = true;
  reader.join();

  const pp::Stats after = pp::stats();
  EXPECT_EQ(bad.load(), 0U);
  EXPECT_EQ(after.stray_sigtraps - before.stray_sigtraps, 0U);
  EXPECT_EQ(after.updates - before.updates, static_cast<std::uint64_t>(kFlips));
  EXPECT_GT(calls.load(), 0U);
  EXPECT_GT(taken.load(), 0U) << "the reader saw the enabled branch at least once";
  RecordProperty("reader_calls", std::to_string(calls.load()));
  RecordProperty("int3_hits", std::to_string(after.int3_hits - before.int3_hits));
  std::printf("reader calls %llu, taken %llu, int3 hits %llu, re-executed %llu\n",
              static_cast<unsigned long long>(calls.load()), static_cast<unsigned long long>(taken.load()),
              static_cast<unsigned long long>(after.int3_hits - before.int3_hits),
              static_cast<unsigned long long>(after.int3_reexecuted - before.int3_reexecuted));
  EXPECT_EQ(pp::sites_of(&g_fire_key.key)[0].bytes, pp::kNop5) << "an even number of flips ends disabled";
}

INSTANTIATE_TEST_SUITE_P(AllProtocols, UnderFire,
                         ::testing::Combine(::testing::Values(pp::Backend::mprotect, pp::Backend::procmem),
                                            ::testing::Values(pp::Int3Policy::skip, pp::Int3Policy::emulate_new),
                                            ::testing::Values(pp::ApplyMode::per_site, pp::ApplyMode::batched)),
                         [](const auto& param_info) {
                           std::string n = std::string(pp::to_string(std::get<0>(param_info.param))) + "_" +
                                           pp::to_string(std::get<1>(param_info.param)) + "_" +
                                           pp::to_string(std::get<2>(param_info.param));
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// Late handlers: with more readers than CPUs, a reader that trapped on one
// update's int3 is often preempted before its handler looks at the site, and
// membarrier (the only sync here) does not wait for it. Its handler then runs
// after that update finished, possibly while the next one has already put its
// own int3 in: it must still resume the reader, never report a stray SIGTRAP.
TEST(UnderFireLateHandlers, MoreReadersThanCpusNeverTakeAStraySigtrap) {
  pp::Config cfg;
  cfg.apply = pp::ApplyMode::per_site;
  const pp::ScopedPolicy policy(cfg);
  const pp::Stats before = pp::stats();
  const unsigned readers = 4 * std::max(1U, std::thread::hardware_concurrency());
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> bad{0};
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < readers; ++i)
    threads.emplace_back([&] {
      std::uint64_t b = 0;
      while (!stop.load(std::memory_order_relaxed))
        for (int (*site)() : {fire_site_a, fire_site_b, fire_site_c, fire_site_d}) {
          const int r = site();
          b += (r != 1 && r != 2);
        }
      bad += b;
    });
  for (int i = 0; i < kFlips / 5; ++i) {
    if (i % 2 == 0)
      pp::static_key_enable(&g_fire_key.key);
    else
      pp::static_key_disable(&g_fire_key.key);
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  const pp::Stats after = pp::stats();
  EXPECT_EQ(bad.load(), 0U);
  EXPECT_EQ(after.stray_sigtraps - before.stray_sigtraps, 0U);
  EXPECT_GT(after.int3_hits - before.int3_hits, 0U) << "the readers never ran into an int3: this proves nothing";
  std::printf("%u readers: int3 hits %llu, re-executed %llu\n", readers,
              static_cast<unsigned long long>(after.int3_hits - before.int3_hits),
              static_cast<unsigned long long>(after.int3_reexecuted - before.int3_reexecuted));
}

// Across all protocols the reader must have actually run into our int3s, or
// the test above proves nothing about the protocol.
TEST(UnderFireSummary, TheReaderHitTheInt3sAtAll) {
  pp::Config cfg;
  cfg.apply = pp::ApplyMode::per_site;
  const pp::ScopedPolicy policy(cfg);
  const auto before = pp::stats().int3_hits;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load(std::memory_order_relaxed)) fire_site_a();
  });
  for (int i = 0; i < 20'000 && pp::stats().int3_hits == before; ++i) {
    pp::static_key_enable(&g_fire_key.key);
    pp::static_key_disable(&g_fire_key.key);
  }
  stop = true;
  reader.join();
  EXPECT_GT(pp::stats().int3_hits - before, 0U);
  EXPECT_GT(pp::sites_of(&g_fire_key.key)[0].int3_hits, 0U) << "counted per site too";
}

}  // namespace
