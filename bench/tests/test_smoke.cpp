// bench-smoke: every benchmark family runs briefly and its counters exist and
// are sane. Not a performance test: no timing thresholds.
#include <pokebench/bench/benchmarks.hpp>
#include <pokebench/bench/loops.hpp>
#include <pokebench/bench/neighbours.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace pb = pokebench::bench;

namespace {

std::map<std::string, pb::Row> run(const std::string& filter) {
  std::map<std::string, pb::Row> out;
  for (const auto& r : pb::run_rows(filter, 1, 0.01)) out[r.name] = r;
  return out;
}

void expect_sane_cycles(const pb::Row& r) {
  EXPECT_FALSE(r.error) << r.name << ": " << r.error_message;
  EXPECT_TRUE(std::isfinite(r.cycles_per_iter)) << r.name;
  EXPECT_GT(r.cycles_per_iter, 0.0) << r.name;
  EXPECT_GT(r.real_time_ns, 0.0) << r.name;
}

}  // namespace

TEST(Smoke, LoopFamilyEveryVariantAndState) {
  const auto rows = run("^loop/[^/]+/(off|on|flipping)$");
  ASSERT_EQ(rows.size(), pb::loop_variants().size() * 3);
  for (const auto& v : pb::loop_variants())
    for (const char* state : {"off", "on", "flipping"}) {
      const std::string name = std::string("loop/") + v.name + "/" + state;
      ASSERT_TRUE(rows.count(name)) << name;
      const auto& r = rows.at(name);
      expect_sane_cycles(r);
      // One pass of a tiny loop: well under a microsecond, whatever the noise.
      if (std::string(state) != "flipping") {
        EXPECT_LT(r.cycles_per_iter, 1000.0) << name;
      }
    }
}

void expect_sane_writer_row(const pb::Row& r, bool plain, bool retries = true) {
  expect_sane_cycles(r);
  const auto& c = r.counters;
  for (const char* k : {"checked_fraction", "torn_reads", "torn_unchecked", "writes_per_s", "writer_period_us"})
    ASSERT_TRUE(c.count(k)) << r.name << ": " << k;
  EXPECT_GT(c.at("writes_per_s"), 0.0) << r.name;
  // plain reads no sequence; every other variant has its key enabled, and
  // the neighbours always check.
  EXPECT_DOUBLE_EQ(c.at("checked_fraction"), plain ? 0.0 : 1.0) << r.name;
  EXPECT_DOUBLE_EQ(c.at("torn_reads"), 0.0) << r.name;
  if (!retries) {  // an rwlock waits instead of retrying
    ASSERT_TRUE(c.count("waited_fraction")) << r.name;
    EXPECT_FALSE(c.count("retries_per_read")) << r.name;
    EXPECT_GE(c.at("waited_fraction"), 0.0) << r.name;
    EXPECT_LE(c.at("waited_fraction"), 1.0) << r.name;
    return;
  }
  for (const char* k : {"retries_per_read", "max_retries", "retried_fraction"})
    ASSERT_TRUE(c.count(k)) << r.name << ": " << k;
  EXPECT_GE(c.at("retried_fraction"), 0.0) << r.name;
  EXPECT_LE(c.at("retried_fraction"), 1.0) << r.name;
  EXPECT_GE(c.at("max_retries"), c.at("retries_per_read")) << r.name;
  if (plain) {
    EXPECT_DOUBLE_EQ(c.at("retries_per_read"), 0.0) << r.name;
  }
}

TEST(Smoke, WriterFamilyEveryVariantPeriodAndPlacement) {
  const auto rows = run("^loop/[^/]+/writer:");
  ASSERT_EQ(rows.size(), pb::loop_variants().size() * (5 + 2) + pb::neighbours().size() * 5);
  for (const auto& v : pb::loop_variants()) {
    const bool plain = std::string(v.name) == "plain";
    for (const char* period : {"1ms", "100us", "10us", "1us", "0"}) {
      const std::string name = std::string("loop/") + v.name + "/writer:" + period;
      ASSERT_TRUE(rows.count(name)) << name;
      expect_sane_writer_row(rows.at(name), plain);
    }
    for (const char* period : {"10us", "0"}) {
      const std::string name = std::string("loop/") + v.name + "/writer:" + period + "/separate-lines";
      ASSERT_TRUE(rows.count(name)) << name;
      expect_sane_writer_row(rows.at(name), plain);
    }
  }
  for (const auto& n : pb::neighbours())
    for (const char* period : {"1ms", "100us", "10us", "1us", "0"}) {
      const std::string name = std::string("loop/") + n.name + "/writer:" + period;
      ASSERT_TRUE(rows.count(name)) << name;
      expect_sane_writer_row(rows.at(name), false, n.retries);
    }
}

TEST(Smoke, WriteFamily) {
  const auto rows = run("^write/");
  ASSERT_EQ(rows.size(), 5u);
  for (const char* n : {"write/seqcount", "write/seqcount/reader", "write/seqlock", "write/latch", "write/rwlock"}) {
    ASSERT_TRUE(rows.count(n)) << n;
    expect_sane_cycles(rows.at(n));
  }
  const auto& c = rows.at("write/seqcount/reader").counters;
  ASSERT_TRUE(c.count("reads_per_write"));
  EXPECT_DOUBLE_EQ(c.at("torn_reads"), 0.0);
}

TEST(Smoke, PatchFamilyCountsSyncsExactly) {
  const auto rows = run("^patch/.*/sites:(1|4|16)$");
  ASSERT_EQ(rows.size(), 2u * 2u * 3u);
  for (const auto& [name, r] : rows) {
    expect_sane_cycles(r);
    EXPECT_GT(r.flip_us, 0.0) << name;
    const std::size_t sites = std::stoul(name.substr(name.rfind(':') + 1));
    // per-site: 3 syncs per site (int3, tail, head); batched: 3 per batch.
    const double n = static_cast<double>(sites);
    const bool per_site = name.find("/per-site/") != std::string::npos;
    const double expected = per_site ? 3.0 * n : 3.0;
    EXPECT_DOUBLE_EQ(r.syncs, expected) << name;
    // One IPI per sync: the reader vCPU is the only other CPU of the Machine.
    EXPECT_DOUBLE_EQ(r.ipis_per_flip, expected) << name;
    // procmem: a pwrite per write, 3 per site; mprotect: one window per step
    // over the batch's pages (the sites of one function: one run of pages).
    const bool procmem = name.find("/procmem/") != std::string::npos;
    EXPECT_DOUBLE_EQ(r.write_windows_per_flip, procmem || per_site ? 3.0 * n : 3.0) << name;
    EXPECT_DOUBLE_EQ(r.bytes_written_per_flip, 6.0 * n) << name << ": int3, 4-byte tail, head";
    EXPECT_GT(r.ref_units, 0.0) << name;
  }
}

TEST(Smoke, LoopFlippingCountsTheVariantsProtocolExactly) {
  const auto rows = run("^loop/(plain|per-site|batched)/flipping$");
  ASSERT_EQ(rows.size(), 3u);
  // plain has no key: nothing is written, whatever the toggler does.
  const auto& plain = rows.at("loop/plain/flipping");
  EXPECT_DOUBLE_EQ(plain.syncs, 0.0);
  EXPECT_DOUBLE_EQ(plain.bytes_written_per_flip, 0.0);
  // One key, a begin and a retry site, procmem, membarrier only (no IPIs):
  // per-site 3 syncs per site, batched 3 per flip; 3 pwrites and 6 bytes per
  // site either way. The two variants differ only in apply mode, and so do
  // their sync counts (the negative control).
  const auto& per_site = rows.at("loop/per-site/flipping");
  const auto& batched = rows.at("loop/batched/flipping");
  EXPECT_DOUBLE_EQ(per_site.syncs, 6.0);
  EXPECT_DOUBLE_EQ(batched.syncs, 3.0);
  for (const auto* r : {&per_site, &batched}) {
    EXPECT_DOUBLE_EQ(r->ipis_per_flip, 0.0) << r->name;
    EXPECT_DOUBLE_EQ(r->write_windows_per_flip, 6.0) << r->name;
    EXPECT_DOUBLE_EQ(r->bytes_written_per_flip, 12.0) << r->name;
    EXPECT_GT(r->ref_units, 0.0) << r->name;
  }
}

TEST(Smoke, PatchFamilyHasEverySize) {
  // Registration only (running 1024 per-site flips is a benchmark, not a smoke test).
  const auto rows = run("^patch/batched/procmem/sites:(64|256|1024)$");
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& [name, r] : rows) {
    expect_sane_cycles(r);
    EXPECT_DOUBLE_EQ(r.syncs, name.ends_with(":1024") ? 12.0 : 3.0) << name << ": max_batch 256";
  }
}

TEST(Smoke, SyncFamily) {
  const auto rows = run("^sync/");
  ASSERT_EQ(rows.size(), 3u);
  for (const char* n : {"sync/membarrier", "sync/ipi", "sync/signal"}) {
    ASSERT_TRUE(rows.count(n)) << n;
    expect_sane_cycles(rows.at(n));
  }
}
