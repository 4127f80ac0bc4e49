// Sites are named by the function that contains them, from the module's ELF
// symbol table: static functions (local symbols, which dladdr cannot see)
// included, in the executable and in a shared object alike.
#include <pokebench/patcher/patcher.hpp>

#include <dlfcn.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace pp = pokebench::patcher;

namespace {
pokebench::static_key_false g_local_key = POKEBENCH_STATIC_KEY_INIT_FALSE;
}

// static: a local symbol, in .symtab only.
[[gnu::noinline]] static int local_site_function(int x) {
  return POKEBENCH_STATIC_BRANCH_UNLIKELY(&g_local_key) ? x + 1 : x + 2;
}

namespace {

// "name+0xoff/0xsize" -> {off, size}; {-1, -1} when it is not that shape.
std::pair<long, long> offset_and_size(const std::string& symbol) {
  const auto plus = symbol.rfind("+0x");
  const auto slash = symbol.rfind("/0x");
  if (plus == std::string::npos || slash == std::string::npos || slash < plus) return {-1, -1};
  return {std::strtol(symbol.c_str() + plus + 1, nullptr, 16), std::strtol(symbol.c_str() + slash + 1, nullptr, 16)};
}

TEST(SiteSymbols, ASiteInAStaticFunctionIsNamedByItFromTheSymbolTable) {
  EXPECT_EQ(local_site_function(1), 3);
  const auto sites = pp::sites_of(&g_local_key.key);
  ASSERT_EQ(sites.size(), 1U);
  const pp::SiteInfo& s = sites[0];
  EXPECT_EQ(s.function, reinterpret_cast<const void*>(&local_site_function)) << s.symbol;
  EXPECT_EQ(s.symbol.rfind("local_site_function(int)+0x", 0), 0U) << s.symbol;
  const auto [off, size] = offset_and_size(s.symbol);
  EXPECT_EQ(off, static_cast<const char*>(s.code) - static_cast<const char*>(s.function)) << s.symbol;
  EXPECT_GT(size, off) << s.symbol;

  // What this replaces could not have named it: dladdr reads .dynsym only.
  Dl_info info{};
  ASSERT_NE(dladdr(s.code, &info), 0);
  EXPECT_TRUE(info.dli_sname == nullptr || std::strstr(info.dli_sname, "local_site_function") == nullptr)
      << "dladdr named it (" << info.dli_sname << "): the test no longer shows the symbol table at work";
}

TEST(SiteSymbols, EverySiteInTheProcessIsInsideTheFunctionItIsNamedBy) {
  // The executable's sites and the patcher library's own probe site.
  bool saw_library_site = false;
  for (const pp::SiteInfo& s : pp::all_sites()) {
    ASSERT_NE(s.function, nullptr) << "site at " << s.code << " named " << s.symbol;
    const auto [off, size] = offset_and_size(s.symbol);
    EXPECT_EQ(off, static_cast<const char*>(s.code) - static_cast<const char*>(s.function)) << s.symbol;
    EXPECT_GT(size, off) << s.symbol;
    saw_library_site = saw_library_site || s.symbol.find("probe_branch") != std::string::npos;
  }
  EXPECT_TRUE(saw_library_site) << "the patcher library's probe site (a function of libpokebench_patcher.so)";
}

TEST(SiteSymbols, RefusalsNameTheAddressInsideAStaticFunctionOrItsModule) {
  // Not a site: poke_site refuses, and its message names where the address is.
  const auto* inside = reinterpret_cast<const char*>(&local_site_function) + 1;
  try {
    pp::poke_site(inside, true);
    ADD_FAILURE() << "poke_site accepted an address that is not a site";
  } catch (const pp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("(local_site_function(int)+0x1/0x"), std::string::npos) << e.what();
  }
  // Data is in no function: the module and the offset in it.
  try {
    pp::poke_site(&g_local_key, true);
    ADD_FAILURE() << "poke_site accepted a key's address";
  } catch (const pp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("(patcher_unit_tests+0x"), std::string::npos) << e.what();
  }
}

}  // namespace
