// The explorer finds the 2017 hang, proves the fixes for bounded
// configurations, and each oracle fires on a deliberately broken model.
#include <pokebench/explore/model.hpp>
#include <pokebench/explore/report.hpp>
#include <pokebench/explore/search.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace pokebench::explore {
namespace {

namespace pp = pokebench::patcher;

ModelConfig config(const char* strategy) {
  ModelConfig c;
  c.strategy = find_strategy(strategy);
  c.apply = c.strategy->apply;
  c.order = pp::Order::tag_first;
  c.first_tag = "retry";
  return c;
}

Result run(const ModelConfig& c, Limits lim = {}) {
  EXPECT_EQ(validate(c), "");
  return explore(make_model(c), lim);
}

std::string all_text(const Result& r) {
  std::string s;
  for (std::size_t i = 0; i < r.counterexamples.size(); ++i) s += format_counterexample(r.counterexamples[i], i + 1);
  return s;
}

// Does the patch order rewrite some function's second half before its
// first (retry before begin when enabling, begin before retry when
// disabling)? Derived from the order alone, not from the search.
bool order_splits_a_function(const Model& m) {
  const auto& order = m.patch_order[0];
  for (unsigned f = 0; f < m.cfg.functions; ++f) {
    std::size_t begin = 0, retry = 0;
    for (std::size_t i = 0; i < order.size(); ++i)
      if (m.sites[order[i]].fn == f) (m.sites[order[i]].role == Role::begin ? begin : retry) = i;
    if (m.cfg.enable ? retry < begin : begin < retry) return true;
  }
  return false;
}

TEST(Explore, PerSiteHangsTheWay2017Did) {
  for (pp::Int3Policy p : {pp::Int3Policy::skip, pp::Int3Policy::emulate_new}) {
    ModelConfig c = config("per-site");
    c.int3 = p;
    const Result r = run(c);
    ASSERT_EQ(r.verdict, Verdict::hang) << describe(c);
    const Counterexample& ce = r.counterexamples.front();
    EXPECT_EQ(ce.kind, "hang");
    EXPECT_NE(ce.summary.find("reader0"), std::string::npos) << ce.summary;
    ASSERT_FALSE(ce.loop.empty());
    const std::string text = all_text(r);
    // The loop: begin executes the old NOP (cookie 0), retry the new JMP and
    // compares 0 with the nonzero sequence, forever.
    EXPECT_NE(text.find("the begin site in get_any_partial (cpusets_enabled_key) = NOP; cookie 0"), std::string::npos)
        << text;
    EXPECT_NE(text.find("mems_allowed_seq 2 != cookie 0: loops again"), std::string::npos) << text;
  }
}

TEST(Explore, PerSiteHangsExactlyWhereTheOrderSplitsAFunction) {
  MatrixAxes axes;
  axes.readers = {1};
  axes.functions = {1, 2};
  for (const ModelConfig& c : matrix(config("per-site"), axes)) {
    const Model m = make_model(c);
    const Result r = explore(m);
    ASSERT_NE(r.verdict, Verdict::incomplete) << describe(c);
    EXPECT_EQ(r.verdict == Verdict::hang, order_splits_a_function(m)) << describe(c) << "\n" << all_text(r);
    EXPECT_NE(r.verdict, Verdict::unsafe) << describe(c) << "\n" << all_text(r);
  }
}

// Bounded for a unit test (the whole default matrix is `pokebench explore`'s).
TEST(Explore, TheFixesNeverHangNorTearForTwoReadersOrTwoFunctions) {
  MatrixAxes one_fn, one_reader;
  one_fn.readers = {2};
  one_fn.functions = {1};
  one_fn.orders = {*parse_order("table"), *parse_order("retry-first"), *parse_order("begin-first")};
  one_reader.readers = {1};
  one_reader.functions = {1, 2};
  for (const char* name : {"batched", "ordered", "cached", "cookie"}) {
    std::uint64_t states = 0;
    std::vector<ModelConfig> cells = matrix(config(name), one_fn);
    for (const ModelConfig& c : matrix(config(name), one_reader)) cells.push_back(c);
    for (const ModelConfig& c : cells) {
      const Result r = run(c);
      EXPECT_EQ(r.verdict, Verdict::ok) << describe(c) << "\n" << all_text(r);
      states += r.states;
    }
    EXPECT_GT(states, 1000u) << name;
  }
}

TEST(Explore, TheFixesHoldWithMixedTogglersAndTwoWrites) {
  for (const char* name : {"batched", "ordered", "cached", "cookie"}) {
    ModelConfig c = config(name);
    c.mixed_togglers = true;
    c.writes = 2;
    const Result r = run(c);
    EXPECT_EQ(r.verdict, Verdict::ok) << describe(c) << "\n" << all_text(r);
  }
}

TEST(Explore, BatchedIsAFixOnlyWhileOneBatchHoldsEveryFunctionsSites) {
  ModelConfig c = config("batched");
  c.functions = 2;
  c.order = pp::Order::reverse;  // f1.retry, f1.begin, f0.retry, f0.begin
  c.batch_size = 1;
  EXPECT_EQ(run(c).verdict, Verdict::hang) << describe(c);
  c.batch_size = 2;  // {f1.retry, f1.begin} and {f0.retry, f0.begin}: each function in one batch
  EXPECT_EQ(run(c).verdict, Verdict::ok) << describe(c);
  c.batch_size = 4;
  EXPECT_EQ(run(c).verdict, Verdict::ok) << describe(c);
}

// ---- negative controls ----------------------------------------------------------

TEST(ExploreNegativeControl, BrokenSeqcountTearsACheckedRead) {
  ModelConfig c = config("broken-seqcount");
  c.order = pp::Order::tag_first;
  c.first_tag = "begin";  // no hang in the way: only the seqcount is wrong
  const Result r = run(c);
  ASSERT_EQ(r.verdict, Verdict::unsafe) << all_text(r);
  EXPECT_EQ(r.counterexamples.front().kind, "torn read");
  EXPECT_NE(all_text(r).find("TORN"), std::string::npos) << all_text(r);
  c.writes = 0;  // without a writer nothing can tear
  EXPECT_EQ(run(c).verdict, Verdict::ok);
}

TEST(ExploreNegativeControl, ASyncThatDoesNotWaitForAcksBreaksEveryFix) {
  for (const char* name : {"batched", "ordered", "cached", "cookie"}) {
    ModelConfig c = config(name);
    c.mutations.sync_without_acks = true;
    const Result r = run(c);
    EXPECT_EQ(r.verdict, Verdict::unsafe) << describe(c) << "\n" << all_text(r);
    c.mutations.sync_without_acks = false;
    EXPECT_EQ(run(c).verdict, Verdict::ok) << describe(c);
  }
}

TEST(ExploreNegativeControl, AcksWithIrqsOffWouldHideThe2017Hang) {
  ModelConfig c = config("per-site");
  c.mutations.ack_with_irqs_off = true;
  c.views = Views::coherent;
  EXPECT_EQ(run(c).verdict, Verdict::ok) << describe(c);
}

TEST(ExploreNegativeControl, AStateLimitIsNeverAProof) {
  ModelConfig c = config("cookie");
  c.readers = 2;
  Limits lim;
  lim.max_states = 50;
  const Result r = run(c, lim);
  EXPECT_EQ(r.verdict, Verdict::incomplete);
  EXPECT_TRUE(r.limit_reached);
  EXPECT_NE(verdict_line(c, r, lim.max_states).find("NOT a proof"), std::string::npos);
}

// ---- the search itself ------------------------------------------------------------

TEST(ExploreSearch, IdenticalReadersAreOneState) {
  ModelConfig c = config("cookie");
  c.readers = 1;
  const std::uint64_t one = run(c).states;
  c.readers = 2;
  const std::uint64_t two = run(c).states;
  c.readers = 3;
  const std::uint64_t three = run(c).states;
  // Without the reduction three readers would cost at least one reader's
  // count cubed over the two-reader growth; with it the growth slows.
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
  EXPECT_LT(static_cast<double>(three) / two, static_cast<double>(two) / one) << one << " " << two << " " << three;
}

TEST(ExploreSearch, CounterexamplesComeShortestFirst) {
  ModelConfig c = config("per-site");
  c.readers = 2;
  c.functions = 2;
  Limits lim;
  lim.max_counterexamples = 3;
  const Result r = run(c, lim);
  ASSERT_EQ(r.verdict, Verdict::hang);
  for (std::size_t i = 1; i < r.counterexamples.size(); ++i)
    EXPECT_LE(r.counterexamples[i - 1].steps.size(), r.counterexamples[i].steps.size());
}

TEST(ExploreSearch, BadConfigurationsSayWhatToLower) {
  ModelConfig c = config("per-site");
  c.readers = 9;
  EXPECT_NE(validate(c).find("--readers 9"), std::string::npos);
  c.readers = 1;
  c.functions = 9;
  EXPECT_NE(validate(c).find("lower --sites"), std::string::npos);
  c.functions = 1;
  c.initial_seq = 3;
  EXPECT_NE(validate(c).find("even"), std::string::npos);
}

}  // namespace
}  // namespace pokebench::explore
