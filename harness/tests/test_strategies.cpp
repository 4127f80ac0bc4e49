// The five cpuset strategies: their sites (several per key, tagged) and what
// begin/retry return with the keys off and on.
#include <pokebench/harness/cpuset.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <gtest/gtest.h>

#include <pokebench/harness/scenario.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace pokebench::harness::cpuset {
namespace {

namespace pp = pokebench::patcher;

struct TagCount {
  int begin = 0, retry = 0, other = 0;
};
TagCount tags_of(const static_key* key) {
  TagCount c;
  for (const pp::SiteInfo& s : pp::sites_of(key)) {
    EXPECT_EQ(s.bytes, pp::kNop5) << "a disabled unlikely site must be the 5-byte NOP, at " << s.code;
    if (std::strcmp(s.tag, "begin") == 0)
      ++c.begin;
    else if (std::strcmp(s.tag, "retry") == 0)
      ++c.retry;
    else
      ++c.other;
  }
  return c;
}

// The harness's reader functions (get_any_partial, fallback_alloc,
// dequeue_huge_page_vma, __alloc_pages_slowpath) each inline the loop.
TEST(CpusetSites, PerSiteHasABeginAndARetrySiteInEveryReaderFunction) {
  const TagCount c = tags_of(&PerSiteKeys::cpusets_enabled_key.key);
  EXPECT_EQ(c.begin, 4);
  EXPECT_EQ(c.retry, 4);
  EXPECT_EQ(c.other, 0);
  const TagCount b = tags_of(&BatchedKeys::cpusets_enabled_key.key);
  EXPECT_EQ(b.begin, 4);
  EXPECT_EQ(b.retry, 4);
}

TEST(CpusetSites, OrderedSplitsBeginAndRetryOverTwoKeys) {
  const TagCount pre = tags_of(&OrderedKeys::cpusets_pre_enable_key.key);
  const TagCount en = tags_of(&OrderedKeys::cpusets_enabled_key.key);
  EXPECT_EQ(pre.begin, 4);
  EXPECT_EQ(pre.retry, 0);
  EXPECT_EQ(en.begin, 0);
  EXPECT_EQ(en.retry, 4);
}

TEST(CpusetSites, CachedTestsTheKeyOnlyInBegin) {
  const TagCount c = tags_of(&CachedKeys::cpusets_enabled_key.key);
  EXPECT_EQ(c.begin, 4);
  EXPECT_EQ(c.retry, 0);
}

TEST(CpusetSites, CookieHasBeginAndRetrySites) {
  const TagCount c = tags_of(&CookieKeys::cpusets_enabled_key.key);
  EXPECT_EQ(c.begin, 4);
  EXPECT_EQ(c.retry, 4);
}

// The kernel's shape in this build, whatever it inlined: every site of the
// strategy's keys lies in one of the four reader functions (by the ELF
// symbol table), and each of them has exactly one begin site and `retries`
// retry sites of its own. An out-of-line read_mems_allowed_retry would put
// one retry site, shared by all four, in a function of its own.
void expect_kernel_shape(std::vector<const static_key*> keys, int retries) {
  struct Counts {
    std::string symbol;
    int begin = 0, retry = 0;
  };
  std::map<const void*, Counts> by_function;
  for (const static_key* key : keys)
    for (const pp::SiteInfo& s : pp::sites_of(key)) {
      ASSERT_NE(s.function, nullptr) << "no symbol covers the site at " << s.code << " (" << s.symbol << ")";
      Counts& c = by_function[s.function];
      c.symbol = s.symbol;
      (std::strcmp(s.tag, "begin") == 0 ? c.begin : c.retry) += 1;
    }
  EXPECT_EQ(by_function.size(), 4U);
  for (const char* reader : {"get_any_partial<", "fallback_alloc<", "dequeue_huge_page_vma<", "alloc_pages_slowpath<"})
    EXPECT_EQ(std::count_if(by_function.begin(), by_function.end(),
                            [&](const auto& f) { return f.second.symbol.find(reader) != std::string::npos; }),
              1)
        << reader;
  for (const auto& [fn, c] : by_function) {
    EXPECT_EQ(c.begin, 1) << c.symbol;
    EXPECT_EQ(c.retry, retries) << c.symbol;
  }
}

TEST(CpusetSites, EveryReaderFunctionOwnsItsBeginAndRetrySites) {
  expect_kernel_shape({&PerSiteKeys::cpusets_enabled_key.key}, 1);
  expect_kernel_shape({&BatchedKeys::cpusets_enabled_key.key}, 1);
  expect_kernel_shape({&OrderedKeys::cpusets_pre_enable_key.key, &OrderedKeys::cpusets_enabled_key.key}, 1);
  expect_kernel_shape({&CachedKeys::cpusets_enabled_key.key}, 0);
  expect_kernel_shape({&CookieKeys::cpusets_enabled_key.key}, 1);
  expect_kernel_shape({&BrokenKeys::cpusets_enabled_key.key}, 1);
}

// ---- semantics, on keys of this test's own -------------------------------------
using K1 = CpusetKeys<struct K1Tag>;
using K2 = CpusetKeys<struct K2Tag>;
using K3 = CpusetKeys<struct K3Tag>;
using K4 = CpusetKeys<struct K4Tag>;

struct RecordingProbe {
  int begins = 0;
  bool begin_read = false, checked = false;
  void on_begin(bool read, unsigned) {
    ++begins;
    begin_read = read;
  }
  void on_retry(bool did_check, bool) { checked = begin_read && did_check; }
};

template <class S>
[[gnu::noinline]] std::pair<unsigned, bool> begin_then_retry(seqcount_t* s, bool write_between, RecordingProbe& p) {
  auto c = S::read_mems_allowed_begin(s, p);
  if (write_between) {
    write_seqcount_begin(s);
    write_seqcount_end(s);
  }
  const bool again = S::read_mems_allowed_retry(s, c, p);
  if constexpr (std::is_same_v<typename S::cookie_t, unsigned>)
    return {c, again};
  else
    return {c.seq, again};
}

template <class S>
void check_semantics(unsigned disabled_cookie) {
  pp::Config cfg;
  cfg.apply = pp::ApplyMode::per_site;
  seqcount_t s{};
  seqcount_set(&s, 2);
  RecordingProbe p;
  // Disabled: no seqcount read, no retry, an unchecked exit.
  auto [c0, again0] = begin_then_retry<S>(&s, true, p);
  EXPECT_EQ(c0, disabled_cookie) << S::name;
  EXPECT_FALSE(again0) << S::name << ": a disabled retry must not ask for another pass";
  EXPECT_FALSE(p.checked);
  S::cpuset_inc(cfg);
  EXPECT_TRUE(S::enabled());
  // Enabled: begin returns the sequence, retry validates it.
  auto [c1, again1] = begin_then_retry<S>(&s, false, p);
  EXPECT_EQ(c1, seqcount_value(&s)) << S::name;
  EXPECT_FALSE(again1);
  EXPECT_TRUE(p.checked);
  auto [c2, again2] = begin_then_retry<S>(&s, true, p);
  EXPECT_NE(c2, seqcount_value(&s));
  EXPECT_TRUE(again2) << S::name << ": a write between begin and retry must be seen";
  S::cpuset_dec(cfg);
  EXPECT_FALSE(S::enabled());
  auto [c3, again3] = begin_then_retry<S>(&s, true, p);
  EXPECT_EQ(c3, disabled_cookie);
  EXPECT_FALSE(again3);
}

TEST(CpusetSemantics, PerSite) { check_semantics<PerSite<K1>>(0); }
TEST(CpusetSemantics, Ordered) { check_semantics<Ordered<K2>>(0); }
TEST(CpusetSemantics, Cached) { check_semantics<Cached<K3>>(0); }
TEST(CpusetSemantics, Cookie) { check_semantics<Cookie<K4>>(kCookieDisabled); }

TEST(CpusetSemantics, CookieRetryIgnoresTheKeyForMinusOne) {
  seqcount_t s{};
  seqcount_set(&s, 2);
  RecordingProbe p;
  Cookie<K4>::cpuset_inc({});
  EXPECT_FALSE(Cookie<K4>::read_mems_allowed_retry(&s, kCookieDisabled, p));
  EXPECT_TRUE(Cookie<K4>::read_mems_allowed_retry(&s, 0, p));  // a stale real sequence does retry
  Cookie<K4>::cpuset_dec({});
}

TEST(CpusetSemantics, OrderedEnablesBeginBeforeRetry) {
  // inc = pre_enable then enabled; dec = enabled then pre_enable: observe
  // the keys' states between the two updates through the observer.
  pp::Config cfg;
  cfg.apply = pp::ApplyMode::per_site;
  std::vector<std::pair<const static_key*, bool>> updates;
  cfg.observer = [&](const pp::PatchEvent& ev) {
    if (ev.step == pp::Step::before_write && ev.phase == pp::Phase::int3 && ev.index == 0)
      updates.emplace_back(ev.key, ev.enabling);
  };
  Ordered<K2>::cpuset_inc(cfg);
  Ordered<K2>::cpuset_dec(cfg);
  ASSERT_EQ(updates.size(), 4u);
  EXPECT_EQ(updates[0], std::make_pair<const static_key*>(&K2::cpusets_pre_enable_key.key, true));
  EXPECT_EQ(updates[1], std::make_pair<const static_key*>(&K2::cpusets_enabled_key.key, true));
  EXPECT_EQ(updates[2], std::make_pair<const static_key*>(&K2::cpusets_enabled_key.key, false));
  EXPECT_EQ(updates[3], std::make_pair<const static_key*>(&K2::cpusets_pre_enable_key.key, false));
}

TEST(CpusetTraits, TheSlubScenarioReadsEachStrategysTraitsFromItsType) {
  const Scenario& slub = *find_scenario("slub");
  std::vector<std::string> listed;
  for (const StrategyInfo* s : slub.listed_strategies()) listed.push_back(s->name);
  EXPECT_EQ(listed, (std::vector<std::string>{"per-site", "batched", "ordered", "cached", "cookie"}));
  EXPECT_EQ(slub.find_strategy("per-site")->is_fix, PerSite<>::is_fix);
  EXPECT_FALSE(slub.find_strategy("per-site")->is_fix) << "the 2017 bug";
  EXPECT_TRUE(slub.find_strategy("ordered")->is_fix);
  EXPECT_EQ(slub.find_strategy("batched")->apply, pp::ApplyMode::batched);
  EXPECT_EQ(slub.find_strategy("cookie")->apply, pp::ApplyMode::per_site);
  ASSERT_NE(slub.find_strategy("broken-seqcount"), nullptr);
  EXPECT_TRUE(slub.find_strategy("broken-seqcount")->negative_control) << "runnable, but not listed";
  EXPECT_EQ(slub.find_strategy("per_site"), nullptr);
}

}  // namespace
}  // namespace pokebench::harness::cpuset
