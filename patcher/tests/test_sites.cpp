// Sites at the byte and instruction level, the patch orders, and refusals.
#include <pokebench/patcher/patcher.hpp>

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>

namespace pp = pokebench::patcher;

pokebench::static_key_false g_bytes_key = POKEBENCH_STATIC_KEY_INIT_FALSE;
[[gnu::noinline]] int bytes_branch() { return POKEBENCH_STATIC_BRANCH_UNLIKELY(&g_bytes_key) ? 1 : 2; }

namespace {

std::string run(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buf{};
  while (p && fgets(buf.data(), static_cast<int>(buf.size()), p.get())) out += buf.data();
  return out;
}

// objdump's view of the 5 bytes at `code`, either as compiled (from the
// executable file) or as they are now (from a dump of memory).
std::string disassemble_file(const void* code) {
  Dl_info info{};
  if (dladdr(code, &info) == 0 || info.dli_fname == nullptr) return "dladdr failed";
  const auto vma = reinterpret_cast<std::uintptr_t>(code) - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  char path[4096] = {};
  if (readlink("/proc/self/exe", path, sizeof path - 1) < 0) return "readlink failed";
  return run("objdump -d --start-address=" + std::to_string(vma) + " --stop-address=" + std::to_string(vma + 5) + " '" +
             path + "' 2>&1");
}

std::string disassemble_memory(const void* code) {
  char tmpl[] = "/tmp/pokebench-site-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return "mkstemp failed";
  if (write(fd, code, 5) != 5) return "write failed";
  close(fd);
  const std::string out =
      run("objdump -D -b binary -m i386:x86-64 --adjust-vma=" + std::to_string(reinterpret_cast<std::uintptr_t>(code)) +
          " " + tmpl + " 2>&1");
  unlink(tmpl);
  return out;
}

std::string hexaddr(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lx", static_cast<unsigned long>(reinterpret_cast<std::uintptr_t>(p)));
  return buf;
}

TEST(SiteBytes, DisabledUnlikelySiteIsTheFiveByteNopEnabledIsJmpRel32) {
  const auto sites = pp::sites_of(&g_bytes_key.key);
  ASSERT_EQ(sites.size(), 1U);
  const pp::SiteInfo& s = sites[0];
  EXPECT_FALSE(s.likely);
  EXPECT_EQ(s.bytes, (pp::Insn{0x0f, 0x1f, 0x44, 0x00, 0x00}));
  EXPECT_EQ(bytes_branch(), 2);
  const std::string compiled = disassemble_file(s.code);
  EXPECT_NE(compiled.find("0f 1f 44 00 00"), std::string::npos) << compiled;
  EXPECT_NE(compiled.find("nopl   0x0(%rax,%rax,1)"), std::string::npos) << compiled;

  pp::static_key_enable(&g_bytes_key.key);
  const pp::SiteInfo on = pp::sites_of(&g_bytes_key.key)[0];
  EXPECT_EQ(bytes_branch(), 1);
  ASSERT_EQ(on.bytes[0], 0xe9);
  std::int32_t rel = 0;
  std::memcpy(&rel, &on.bytes[1], 4);
  EXPECT_EQ(reinterpret_cast<std::intptr_t>(on.target), reinterpret_cast<std::intptr_t>(on.code) + 5 + rel)
      << "rel32 = target - (site + 5)";
  const std::string live = disassemble_memory(on.code);
  EXPECT_NE(live.find("jmp    0x" + hexaddr(on.target)), std::string::npos) << live;

  pp::static_key_disable(&g_bytes_key.key);
  EXPECT_EQ(pp::sites_of(&g_bytes_key.key)[0].bytes, pp::kNop5);
  EXPECT_NE(disassemble_memory(on.code).find("nopl   0x0(%rax,%rax,1)"), std::string::npos);
  EXPECT_EQ(bytes_branch(), 2);
}

// Several sites of one key, in several functions, tagged.
pokebench::static_key_false g_order_key = POKEBENCH_STATIC_KEY_INIT_FALSE;
[[gnu::noinline]] bool order_a() { return POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&g_order_key, "retry"); }
[[gnu::noinline]] bool order_b() { return POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&g_order_key, "begin"); }
[[gnu::noinline]] bool order_c() { return POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&g_order_key, "retry"); }
[[gnu::noinline]] bool order_d() { return POKEBENCH_STATIC_BRANCH_UNLIKELY_TAGGED(&g_order_key, "begin"); }

std::vector<const void*> patch_sequence(pp::Config cfg) {
  std::vector<const void*> seq;
  cfg.observer = [&](const pp::PatchEvent& ev) {
    if (ev.step == pp::Step::before_write && ev.phase == pp::Phase::int3) seq.push_back(ev.site->code);
  };
  pp::static_key_enable(&g_order_key.key, cfg);
  pp::static_key_disable(&g_order_key.key, cfg);
  return seq;
}

TEST(PatchOrder, TableAddressReverseRandomAndCustomOrdersAreFollowed) {
  const auto sites = pp::sites_of(&g_order_key.key);
  ASSERT_EQ(sites.size(), 4U);
  EXPECT_FALSE(order_a() || order_b() || order_c() || order_d());
  std::vector<const void*> table;
  for (const auto& s : sites) table.push_back(s.code);

  pp::Config cfg;
  cfg.apply = pp::ApplyMode::per_site;
  cfg.order = pp::Order::table;
  auto seq = patch_sequence(cfg);
  ASSERT_EQ(seq.size(), 8U);
  EXPECT_EQ(std::vector<const void*>(seq.begin(), seq.begin() + 4), table);

  cfg.order = pp::Order::reverse;
  seq = patch_sequence(cfg);
  EXPECT_EQ(std::vector<const void*>(seq.begin(), seq.begin() + 4),
            std::vector<const void*>(table.rbegin(), table.rend()));

  cfg.order = pp::Order::address;
  seq = patch_sequence(cfg);
  auto sorted = table;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::vector<const void*>(seq.begin(), seq.begin() + 4), sorted);

  cfg.order = pp::Order::random;
  cfg.seed = 42;
  const auto r1 = patch_sequence(cfg);
  const auto r2 = patch_sequence(cfg);
  EXPECT_EQ(r1, r2) << "same seed, same order";
  auto r1_sorted = std::vector<const void*>(r1.begin(), r1.begin() + 4);
  std::sort(r1_sorted.begin(), r1_sorted.end());
  EXPECT_EQ(r1_sorted, sorted) << "a permutation of the sites";

  cfg.order = pp::Order::tag_first;
  cfg.first_tag = "begin";
  seq = patch_sequence(cfg);
  std::vector<const void*> begin_first;
  for (const auto& s : sites)
    if (std::string(s.tag) == "begin") begin_first.push_back(s.code);
  for (const auto& s : sites)
    if (std::string(s.tag) != "begin") begin_first.push_back(s.code);
  EXPECT_EQ(std::vector<const void*>(seq.begin(), seq.begin() + 4), begin_first)
      << "tagged sites first, table order within each group";

  cfg.order = pp::Order::custom;
  cfg.custom_order = [](const std::vector<pp::SiteInfo>& s) {
    std::vector<std::size_t> idx(s.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_partition(idx.begin(), idx.end(), [&](std::size_t i) { return std::string(s[i].tag) == "begin"; });
    return idx;
  };
  seq = patch_sequence(cfg);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(std::string(pp::find_site(seq[i])->tag), i < 2 ? "begin" : "retry");
}

TEST(PatchProtocol, PerSiteSyncsThreeTimesPerSiteBatchedThreeTimesPerBatch) {
  pp::Config cfg;
  cfg.apply = pp::ApplyMode::per_site;
  auto before = pp::stats().syncs;
  pp::static_key_enable(&g_order_key.key, cfg);
  EXPECT_EQ(pp::stats().syncs - before, 12U) << "4 sites x 3 syncs";
  cfg.apply = pp::ApplyMode::batched;
  cfg.max_batch = 3;
  before = pp::stats().syncs;
  pp::static_key_disable(&g_order_key.key, cfg);
  EXPECT_EQ(pp::stats().syncs - before, 6U) << "2 batches (3 + 1 sites) x 3 syncs";
  cfg.max_batch = 256;
  int cpu_syncs = 0;
  cfg.cpu_sync = [&] { ++cpu_syncs; };
  {
    const pp::ScopedPolicy policy(cfg);  // the kernel spelling patches with the policy in scope
    pp::static_key_enable(&g_order_key.key);
  }
  EXPECT_EQ(cpu_syncs, 3) << "the every-CPU hook runs once per sync";
  pp::static_key_disable(&g_order_key.key);
  EXPECT_EQ(cpu_syncs, 3) << "out of the scope: the default policy, no hook";
}

// Page ranges an mprotect window over these sites opens: the pages each site
// touches, runs of adjacent pages counting once.
std::size_t page_runs(const std::vector<pp::SiteInfo>& sites) {
  const auto ps = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  std::vector<std::uintptr_t> pages;
  for (const auto& s : sites) {
    const auto a = reinterpret_cast<std::uintptr_t>(s.code);
    for (std::uintptr_t p = a / ps; p <= (a + pp::kSiteSize - 1) / ps; ++p) pages.push_back(p);
  }
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  std::size_t runs = 0;
  for (std::size_t i = 0; i < pages.size(); ++i) runs += i == 0 || pages[i] != pages[i - 1] + 1;
  return runs;
}

struct WriteCounts {
  std::uint64_t windows, bytes;
};

WriteCounts flip_and_count(pp::ApplyMode apply, pp::Backend backend) {
  pp::Config cfg;
  cfg.apply = apply;
  cfg.backend = backend;
  const pp::Stats before = pp::stats();
  pp::static_key_enable(&g_order_key.key, cfg);
  const pp::Stats after = pp::stats();
  pp::static_key_disable(&g_order_key.key, cfg);
  return {after.write_windows - before.write_windows, after.bytes_written - before.bytes_written};
}

TEST(PatchProtocol, WriteWindowsAndBytesPerFlipAreExact) {
  const auto sites = pp::sites_of(&g_order_key.key);
  ASSERT_EQ(sites.size(), 4U);
  const std::uint64_t runs = page_runs(sites);
  // Every site takes 1 + 4 + 1 bytes (int3, tail, head), whatever the mode.
  // procmem: one pwrite per write, 3 per site in either mode.
  for (const auto apply : {pp::ApplyMode::per_site, pp::ApplyMode::batched}) {
    const WriteCounts procmem = flip_and_count(apply, pp::Backend::procmem);
    EXPECT_EQ(procmem.windows, 12U) << pp::to_string(apply);
    EXPECT_EQ(procmem.bytes, 24U) << pp::to_string(apply);
  }
  // mprotect: per-site opens one window per site and step; batched one per
  // step and page run of the batch. The negative control is per-site itself:
  // the same flip, another configuration, other counts (when the sites share
  // pages, which the runs below say).
  const WriteCounts per_site = flip_and_count(pp::ApplyMode::per_site, pp::Backend::mprotect);
  const WriteCounts batched = flip_and_count(pp::ApplyMode::batched, pp::Backend::mprotect);
  EXPECT_EQ(per_site.windows, 12U);
  EXPECT_EQ(batched.windows, 3 * runs) << runs << " page runs";
  EXPECT_EQ(per_site.bytes, 24U);
  EXPECT_EQ(batched.bytes, 24U);
  if (runs < 4) {
    EXPECT_NE(per_site.windows, batched.windows);
  }
}

TEST(BadInput, PatchingSomethingThatIsNotASiteIsRefused) {
  // The middle of a real site, and data: neither is a site's first byte.
  const auto* site = static_cast<const std::uint8_t*>(pp::sites_of(&g_bytes_key.key)[0].code);
  static const std::uint8_t data[8] = {};
  for (const void* not_a_site : {static_cast<const void*>(site + 1), static_cast<const void*>(data)}) {
    EXPECT_THROW(pp::poke_site(not_a_site, true), pp::Error);
    try {
      pp::poke_site(not_a_site, true);
    } catch (const pp::Error& e) {
      EXPECT_NE(std::string(e.what()).find("not a registered static branch site"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(pp::sites_of(&g_bytes_key.key)[0].bytes, pp::kNop5) << "the site was not touched";
}

TEST(PokeSite, PatchesARegisteredSiteAndIsANoOpWhenItAlreadyHoldsTheInstruction) {
  const void* site = pp::sites_of(&g_bytes_key.key)[0].code;
  const auto writes = pp::stats().writes;
  pp::poke_site(site, false);
  EXPECT_EQ(pp::stats().writes, writes) << "already the NOP: nothing written";
  pp::poke_site(site, true);
  EXPECT_EQ(bytes_branch(), 1);
  pp::poke_site(site, true);
  pp::poke_site(site, false);
  EXPECT_EQ(bytes_branch(), 2);
  EXPECT_EQ(pp::stats().writes - writes, 6U) << "two flips, three writes each";
}

void previous_trap_handler(int) { _exit(42); }

// Someone else rewrites the NOP behind the patcher's back, then the key flips.
void corrupt_site_then_enable() {
  const void* code = pp::sites_of(&g_bytes_key.key)[0].code;
  const int fd = open("/proc/self/mem", O_RDWR);
  const std::uint8_t other[5] = {0x66, 0x0f, 0x1f, 0x44, 0x00};
  if (pwrite(fd, other, 5, static_cast<off_t>(reinterpret_cast<std::uintptr_t>(code))) != 5) _exit(3);
  pp::static_key_enable(&g_bytes_key.key);
}

void trap_with_previous_handler(void (*previous)(int)) {
  signal(SIGTRAP, previous);
  pp::install_int3_handler();
  asm volatile("int3");
  _exit(0);
}

TEST(BadInputDeathTest, AByteMismatchAbortsWithAddressSymbolExpectedActualAndPhase) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      corrupt_site_then_enable(),
      "text_poke_bp pre-write check failed at 0x[0-9a-f]+ .*bytes_branch.*phase 1 \\(int3\\): expected 0f 1f 44 00 "
      "00, actual 66 0f 1f 44 00");
}

TEST(StraySigtrapDeathTest, ASigtrapThatIsNotOursGoesToThePreviousHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(trap_with_previous_handler(previous_trap_handler), ::testing::ExitedWithCode(42), "");
  EXPECT_EXIT(trap_with_previous_handler(SIG_DFL), ::testing::KilledBySignal(SIGTRAP), "");
}

}  // namespace
