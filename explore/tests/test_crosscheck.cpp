// The explorer's verdict against the real deterministic harness's, cell by
// cell of the torture matrix, each model built on the real site layout
// (check.cpp: model_of). A disagreement means the model or the harness is
// wrong: the test fails and prints both verdicts and both traces. Two tests
// share the 120 cells: batched's 16 non-tag-first cells, whose model at the
// real eight sites per key takes seconds per cell in a dev build, have a
// test of their own.
#include <pokebench/explore/check.hpp>
#include <pokebench/explore/report.hpp>
#include <pokebench/harness/torture.hpp>

#include <gtest/gtest.h>

#include <cstdio>

namespace pokebench::explore {
namespace {

namespace hh = pokebench::harness;
namespace pp = pokebench::patcher;

bool in_subset(const hh::ScenarioConfig& c) { return c.strategy != "batched" || c.order.order == pp::Order::tag_first; }

struct Tally {
  std::size_t cells = 0, hangs = 0, oks = 0;
  std::uint64_t states = 0;
  double model_s = 0, real_s = 0;
};

// Checks every cell `wanted` selects; prints the figures docs/explore.md
// quotes (from a release build).
template <class Wanted>
Tally cross_check(Wanted wanted) {
  Tally t;
  for (const hh::ScenarioConfig& real : deterministic_cells({}, hh::kTortureTimeoutMs)) {
    if (!wanted(real)) continue;
    const CellCheck c = check_cell(real, model_of(real));
    EXPECT_TRUE(c.agree) << "DISAGREEMENT\n" << c.both();
    EXPECT_NE(c.model_result.verdict, Verdict::incomplete) << describe(c.model);
    ++t.cells;
    t.states += c.model_result.states;
    t.model_s += c.model_result.seconds;
    t.real_s += c.real.seconds;
    t.hangs += c.model_result.verdict == Verdict::hang;
    t.oks += c.model_result.verdict == Verdict::ok;
  }
  std::printf("crosscheck: %zu cells; model %llu states in %.2f s; deterministic harness %.2f s; ratio %.3f\n", t.cells,
              static_cast<unsigned long long>(t.states), t.model_s, t.real_s,
              t.real_s > 0 ? t.model_s / t.real_s : 0.0);
  return t;
}

TEST(ExploreCrossCheck, ModelAndDeterministicHarnessAgreeOnTheTortureMatrix) {
  const Tally t = cross_check(in_subset);
  EXPECT_EQ(t.cells, 4u * 24 + 8);
  // Both verdicts occur, so agreement is not agreement on one constant.
  EXPECT_GT(t.hangs, 0u) << "the known bug must be among the cells";
  EXPECT_GT(t.oks, 0u);
}

TEST(ExploreCrossCheck, BatchedsOtherOrdersAgreeToo) {
  const Tally t = cross_check([](const hh::ScenarioConfig& c) { return !in_subset(c); });
  EXPECT_EQ(t.cells, 16u);
  EXPECT_EQ(t.oks, t.cells) << "batched is a fix: every order holds while one batch holds every site";
}

// Negative control of the comparison: a model that acknowledges syncs with
// IRQs off cannot hang, so on the known bug's cell it says OK where the real
// harness hangs, and that must be reported as a disagreement with both sides.
TEST(ExploreCrossCheck, AModelThatCannotHangDisagreesOnTheKnownBug) {
  hh::ScenarioConfig real;  // the defaults are the known bug: per-site, enable, retry-first, skip
  real.timeout_ms = hh::kTortureTimeoutMs;
  ModelConfig broken = model_of(real);
  broken.mutations.ack_with_irqs_off = true;
  const CellCheck c = check_cell(real, broken);
  EXPECT_EQ(c.real.verdict(), hh::Verdict::hang);
  EXPECT_EQ(c.model_result.verdict, Verdict::ok);
  EXPECT_FALSE(c.agree);
  EXPECT_NE(c.both().find("real:  verdict: HANG"), std::string::npos) << c.both();
  EXPECT_NE(c.both().find("model: verdict: OK"), std::string::npos) << c.both();
  EXPECT_NE(c.both().find("MUTATION=ack-with-irqs-off"), std::string::npos) << c.both();
}

// The other way: the real side hangs where the model proves the fix (an
// extra vCPU masks IRQs for good): a disagreement too.
TEST(ExploreCrossCheck, ARealRunThatHangsDisagreesWithAProof) {
  hh::ScenarioConfig real;
  real.strategy = "cookie";
  real.timeout_ms = hh::kTortureTimeoutMs;
  real.inject_stuck_vcpu = true;
  const CellCheck c = check_cell(real, model_of(real));
  EXPECT_EQ(c.model_result.verdict, Verdict::ok);
  EXPECT_EQ(c.real.verdict(), hh::Verdict::hang);
  EXPECT_FALSE(c.agree) << c.both();
}

TEST(ExploreCrossCheck, TheModelOfACellHasTheRealLayout) {
  hh::ScenarioConfig real;
  real.strategy = "ordered";
  const ModelConfig m = model_of(real);
  EXPECT_EQ(m.functions, 4u);
  ASSERT_EQ(m.layout.size(), 8u);  // 4 functions x (begin, retry), each half on its own key
  for (const SiteDecl& s : m.layout)
    EXPECT_EQ(s.key, s.role == Role::begin ? m.strategy->begin_key : m.strategy->retry_key);
  hh::ScenarioConfig other = real;
  other.strategy = "no-such";
  EXPECT_THROW(model_of(other), std::invalid_argument);
}

}  // namespace
}  // namespace pokebench::explore
