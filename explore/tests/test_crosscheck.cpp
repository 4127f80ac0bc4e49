// The explorer's verdict against the real deterministic harness's, cell by
// cell of the torture matrix (a documented subset: every listed strategy,
// both directions, the begin-first and retry-first orders, both int3
// policies). The tag-first orders put every site of one half before every
// site of the other whatever the table's layout, so the model's default
// layout of two reader functions stands for the harness's four. A
// disagreement means the model or the harness is wrong: the test fails and
// prints both.
#include <pokebench/explore/model.hpp>
#include <pokebench/explore/report.hpp>
#include <pokebench/explore/search.hpp>
#include <pokebench/harness/config.hpp>
#include <pokebench/harness/runner.hpp>
#include <pokebench/harness/scenario.hpp>

#include <gtest/gtest.h>

namespace pokebench::explore {
namespace {

namespace hh = pokebench::harness;
namespace pp = pokebench::patcher;

const char* expected_real(Verdict v) {
  switch (v) {
    case Verdict::ok:
      return "OK";
    case Verdict::hang:
      return "HANG";
    case Verdict::unsafe:
      return "TORN";
    case Verdict::incomplete:
      return "(model incomplete)";
  }
  return "?";
}

TEST(ExploreCrossCheck, ModelAndDeterministicHarnessAgreeOnTheTagFirstCells) {
  const hh::Scenario& sc = hh::scenario_of(hh::ScenarioConfig{});
  std::size_t cells = 0, hangs = 0;
  for (const hh::StrategyInfo* st : sc.listed_strategies())
    for (const auto& [dir, dname] : hh::kDirectionNames)
      for (const char* tag : {"begin", "retry"})
        for (const auto& [p, pname] : pp::kInt3PolicyNames) {
          hh::ScenarioConfig real;
          real.strategy = st->name;
          real.direction = dir;
          real.order = hh::tag_first(tag);
          real.int3 = p;
          real.mode = hh::Mode::deterministic;
          real.timeout_ms = 300;
          const hh::ScenarioResult rr = hh::run_scenario(real);

          ModelConfig mc;
          mc.strategy = find_strategy(st->name);
          ASSERT_NE(mc.strategy, nullptr) << st->name << " is in the harness but not in the model";
          mc.apply = mc.strategy->apply;
          mc.functions = 2;
          mc.enable = dir == hh::Direction::enable;
          mc.order = pp::Order::tag_first;
          mc.first_tag = tag;
          mc.int3 = p;
          ASSERT_EQ(validate(mc), "");
          const Result mr = explore(make_model(mc));
          ASSERT_NE(mr.verdict, Verdict::incomplete) << describe(mc);
          std::string trace;
          if (!mr.counterexamples.empty()) trace = format_counterexample(mr.counterexamples.front(), 1);
          EXPECT_STREQ(hh::to_string(rr.verdict()), expected_real(mr.verdict))
              << "DISAGREEMENT\n  real:  " << hh::verdict_line(rr) << "\n  model: " << verdict_line(mc, mr, 0) << "\n"
              << trace;
          ++cells;
          hangs += mr.verdict == Verdict::hang;
        }
  EXPECT_EQ(cells, sc.listed_strategies().size() * 8);
  EXPECT_GT(hangs, 0u) << "the known bug must be among the cells";
}

}  // namespace
}  // namespace pokebench::explore
