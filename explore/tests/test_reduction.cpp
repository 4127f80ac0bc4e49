// Reduced refetches (ModelConfig::reduce_refetches, explore/src/step.cpp)
// against the unreduced model, in which any stale view may catch up at any
// time as a step of its own: the same verdicts and the same kinds of
// counterexample in every configuration both finish, for fewer states.
#include <pokebench/explore/model.hpp>
#include <pokebench/explore/report.hpp>
#include <pokebench/explore/search.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace pokebench::explore {
namespace {

std::set<std::string> kinds(const Result& r) {
  std::set<std::string> k;
  for (const Counterexample& c : r.counterexamples) k.insert(c.kind);
  return k;
}

struct Totals {
  std::uint64_t reduced = 0, full = 0;
  unsigned hangs = 0, unsafe = 0, cells = 0;
};

// Explores `c` both ways and compares.
void both_ways(ModelConfig c, Totals& t) {
  ASSERT_EQ(validate(c), "");
  Limits lim;
  lim.max_counterexamples = 8;
  c.reduce_refetches = false;
  const Result full = explore(make_model(c), lim);
  c.reduce_refetches = true;
  const Result reduced = explore(make_model(c), lim);
  ASSERT_NE(full.verdict, Verdict::incomplete) << describe(c);
  EXPECT_EQ(reduced.verdict, full.verdict)
      << describe(c) << "\nreduced:\n"
      << (reduced.counterexamples.empty() ? std::string("(none)")
                                          : format_counterexample(reduced.counterexamples.front(), 1))
      << "\nunreduced:\n"
      << (full.counterexamples.empty() ? std::string("(none)")
                                       : format_counterexample(full.counterexamples.front(), 1));
  EXPECT_EQ(kinds(reduced), kinds(full)) << describe(c);
  // A search that stops at its first counterexamples may stop at other
  // depths; only a complete one has a comparable count.
  if (full.verdict == Verdict::ok) {
    EXPECT_LE(reduced.states, full.states) << describe(c);
  }
  t.reduced += reduced.states;
  t.full += full.states;
  t.hangs += full.verdict == Verdict::hang;
  t.unsafe += full.verdict == Verdict::unsafe;
  ++t.cells;
}

ModelConfig base(const StrategyModel& s) {
  ModelConfig c;
  c.strategy = &s;
  c.apply = s.apply;
  return c;
}

TEST(ExploreReduction, EveryStrategyKeepsItsVerdictsAtOneReader) {
  MatrixAxes axes;
  axes.readers = {1};
  axes.functions = {1, 2};
  Totals t;
  for (const StrategyModel& s : strategies())
    for (const ModelConfig& c : matrix(base(s), axes)) both_ways(c, t);
  // Both outcomes occur, so the comparison can fail both ways.
  EXPECT_GT(t.hangs, 0u);
  EXPECT_GT(t.unsafe, 0u);
  EXPECT_LT(t.reduced, t.full);
  std::printf("reduction: %u cells, %llu states reduced, %llu unreduced\n", t.cells,
              static_cast<unsigned long long>(t.reduced), static_cast<unsigned long long>(t.full));
}

TEST(ExploreReduction, EveryStrategyKeepsItsVerdictsAtTwoReaders) {
  // Bounded for a unit test: the order that splits a function (per-site's
  // hang), one int3 policy, both directions.
  MatrixAxes axes;
  axes.readers = {2};
  axes.functions = {1};
  axes.orders = {*parse_order("retry-first"), *parse_order("begin-first")};
  axes.int3 = {patcher::Int3Policy::skip};
  Totals t;
  for (const StrategyModel& s : strategies())
    for (const ModelConfig& c : matrix(base(s), axes)) both_ways(c, t);
  EXPECT_GT(t.hangs, 0u);
  EXPECT_LT(t.reduced, t.full);
}

TEST(ExploreReduction, MixedTogglersTwoWritesAndSmallBatchesKeepTheirVerdicts) {
  Totals t;
  for (const StrategyModel& s : strategies()) {
    ModelConfig c = base(s);
    c.mixed_togglers = true;
    c.writes = 2;
    both_ways(c, t);
  }
  ModelConfig b = base(*find_strategy("batched"));
  b.functions = 2;
  b.order = patcher::Order::reverse;
  for (std::size_t size : {1, 2, 3}) {
    b.batch_size = size;
    both_ways(b, t);
  }
  EXPECT_GT(t.hangs, 0u);
}

// The model's own negative controls give the same verdicts reduced.
TEST(ExploreReduction, BrokenModelsStayBroken) {
  Totals t;
  for (const char* name : {"batched", "ordered", "cached", "cookie"}) {
    ModelConfig c = base(*find_strategy(name));
    c.mutations.sync_without_acks = true;
    both_ways(c, t);
  }
  EXPECT_EQ(t.unsafe, 4u);
  ModelConfig c = base(*find_strategy("per-site"));
  c.order = patcher::Order::tag_first;
  c.first_tag = "retry";
  both_ways(c, t);
  c.mutations.ack_with_irqs_off = true;
  both_ways(c, t);  // hides the hang both ways
  EXPECT_EQ(t.hangs, 1u);
}

}  // namespace
}  // namespace pokebench::explore
