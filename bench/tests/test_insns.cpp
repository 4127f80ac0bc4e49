// The callgrind counter on loops whose instruction count is known.
#include <pokebench/bench/insns.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

namespace pb = pokebench::bench;

namespace {

pb::InsnOptions child(const std::string& filter) {
  pb::InsnOptions o;
  o.filter = filter;
  o.child_args = {"--pokebench-insns-child", filter};
  return o;
}

#define REQUIRE_VALGRIND()                                                              \
  if (pb::sanitized_build()) GTEST_SKIP() << "sanitizer build: valgrind cannot run it"; \
  if (pb::find_valgrind().empty())                                                      \
  GTEST_SKIP() << "valgrind is not installed (apt-get install valgrind): callgrind counts cannot be taken"

}  // namespace

TEST(Insns, AsmLoopIsExactlyThreeInstructionsPerIteration) {
  REQUIRE_VALGRIND();
  const auto counts = pb::count_instructions(child("^calibration/asm-3$"));
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].per_iter, 3.0);
  // add, dec, jnz per iteration: the region totals differ by exactly 3 per extra iteration (+-1 at the edges).
  const auto diff = static_cast<long long>(counts[0].large_total - counts[0].small_total);
  EXPECT_NEAR(static_cast<double>(diff), 3.0 * static_cast<double>(pb::kInsnLarge - pb::kInsnSmall), 1.0);
}

TEST(Insns, LoopCountsAreIdenticalAcrossRunsAndOrdered) {
  REQUIRE_VALGRIND();
  const std::string filter = "^loop/(plain|load-test|per-site|cookie)/(off|on)$";
  const auto a = pb::count_instructions(child(filter));
  const auto b = pb::count_instructions(child(filter));
  ASSERT_EQ(a.size(), 8u);
  ASSERT_EQ(b.size(), a.size());
  std::map<std::string, double> per;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].small_total, b[i].small_total) << a[i].name;
    EXPECT_EQ(a[i].large_total, b[i].large_total) << a[i].name;
    per[a[i].name] = a[i].per_iter;
    EXPECT_EQ(a[i].per_iter, static_cast<double>(static_cast<long long>(a[i].per_iter)))
        << a[i].name << ": one pass is a whole number of instructions";
  }
  // A disabled site is one NOP: cheaper than a load and a test, dearer than nothing.
  EXPECT_LT(per["loop/plain/off"], per["loop/per-site/off"]);
  EXPECT_LT(per["loop/per-site/off"], per["loop/load-test/off"]);
  // Enabled, the seqcount is really read.
  EXPECT_GT(per["loop/per-site/on"], per["loop/per-site/off"]);
}

TEST(Insns, MissingValgrindIsAClearError) {
  if (pb::sanitized_build()) GTEST_SKIP() << "sanitizer build: count_instructions refuses before looking for valgrind";
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  setenv("PATH", "/nonexistent", 1);
  try {
    (void)pb::count_instructions(child("^calibration/"));
    setenv("PATH", saved.c_str(), 1);
    FAIL() << "expected InsnError";
  } catch (const pb::InsnError& e) {
    setenv("PATH", saved.c_str(), 1);
    EXPECT_NE(std::string(e.what()).find("apt-get install valgrind"), std::string::npos) << e.what();
  }
}

TEST(Insns, FilterMatchingNothingIsRefused) {
  EXPECT_THROW((void)pb::count_instructions(child("^no-such-region$")), pb::InsnError);
}
