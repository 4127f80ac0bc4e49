// The slub scenario end to end, in forked trial children: the 2017 hang, a
// few fixed configurations, both negative controls, and no leaks.
#include <pokebench/harness/runner.hpp>
#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/supervisor.hpp>

#include "expect_text.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace pokebench::harness {
namespace {

namespace pp = pokebench::patcher;

using testing::bug_2017;
using testing::expect_all_in;

class Scenario : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_TRUE(testing::pokebench_shm_segments().empty()) << "a shared memory segment was left in /dev/shm";
    EXPECT_TRUE(testing::child_processes().empty()) << "a trial child outlived its scenario";
  }
};

TEST_F(Scenario, Bug2017HangsInTheFirstDeterministicTrial) {
  const auto t0 = std::chrono::steady_clock::now();
  const ScenarioResult r = run_scenario(bug_2017());
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(r.verdict(), Verdict::hang) << verdict_line(r) << (r.errors.empty() ? "" : "\n" + r.errors[0]);
  EXPECT_EQ(r.hung_trials, 1u);
  EXPECT_LT(took, std::chrono::seconds(5));
  ASSERT_EQ(r.hangs.size(), 1u);
  const std::string& rep = r.hangs[0].report;
  // What the kernel's report would tell: the silent vCPU, IRQs masked, the
  // loop it spins in, the patcher at a retry site with begin untouched.
  expect_all_in(rep, {"does not answer", "IRQs MASKED", "begin/retry loop iteration", "do_sync_core", "'retry'",
                      "untouched", "patched", "configuration: scenario=slub strategy=per-site",
                      "begin: NOP (key reads disabled), retry: JMP (key reads enabled)"});
}

TEST_F(Scenario, Bug2017IsNotFixedByTheV55Int3Handler) {
  // Emulating the new instruction makes the retry site jump from step 1 on,
  // while begin is still the NOP: the same loop, earlier.
  ScenarioConfig c = bug_2017();
  c.int3 = pp::Int3Policy::emulate_new;
  const ScenarioResult r = run_scenario(c);
  ASSERT_EQ(r.verdict(), Verdict::hang) << verdict_line(r);
  EXPECT_THAT(r.hangs[0].report, testing::HasSubstr("retry: int3, emulating the new instruction (key reads enabled)"));
}

TEST_F(Scenario, Bug2017NeedsANonzeroSequence) {
  // With the sequence still 0 and no writer, begin's 0 equals the sequence:
  // the same interleaving terminates. (Why the kernel needed uptime.)
  ScenarioConfig c = bug_2017();
  c.params["initial-seq"] = 0;
  c.params["writer-period-us"] = 0;
  const ScenarioResult r = run_scenario(c);
  EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r);
}

TEST_F(Scenario, Bug2017BeginFirstDoesNotHang) {
  ScenarioConfig c = bug_2017();
  c.order = tag_first("begin");
  const ScenarioResult r = run_scenario(c);
  EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << (r.hangs.empty() ? "" : "\n" + r.hangs[0].report);
}

TEST_F(Scenario, FixesHoldInTheBugsInterleaving) {
  for (const char* s : {"ordered", "cached", "cookie", "batched"})
    for (Direction d : {Direction::enable, Direction::disable}) {
      ScenarioConfig c = bug_2017();
      c.strategy = s;
      c.direction = d;
      c.order = tag_first(d == Direction::enable ? "retry" : "begin");
      const ScenarioResult r = run_scenario(c);
      EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << (r.hangs.empty() ? "" : "\n" + r.hangs[0].report);
      EXPECT_EQ(r.oracles.transitions, 1u);
      EXPECT_GT(r.oracles.reader_loops, 0u);
    }
}

TEST_F(Scenario, PerSiteDisableHangsBeginFirst) {
  // The mirror image: disabling, begin goes NOP first while retry still compares.
  ScenarioConfig c = bug_2017();
  c.direction = Direction::disable;
  c.order = tag_first("begin");
  const ScenarioResult r = run_scenario(c);
  EXPECT_EQ(r.verdict(), Verdict::hang) << verdict_line(r);
}

// The torn-read oracle's load: readers of `strategy` for 1.5 s of stress
// against a writer that writes every 50 us. A write and a reader's loop each
// spin work-per-loop pauses; at a 1 us period the writer is inside a write
// nearly all the time, a correct reader (IRQs masked) retries for longer than
// the watchdog allows and the verdict is, rightly, HANG: seqcount reader
// starvation, which under ASan happened in about one run in twelve. 50 us
// still makes readers retry (max-retries 10 to 50 here) and a broken reader
// tear thousands of times in 1.5 s, with or without ASan.
ScenarioConfig under_writer_load(const char* strategy) {
  ScenarioConfig c;
  c.strategy = strategy;
  c.mode = Mode::stress;
  c.order = {pp::Order::table, {}};
  c.trials = 0;
  c.duration_s = 1.5;
  c.params["writer-period-us"] = 50;
  c.params["work-per-loop"] = 400;
  return c;
}

// Negative control for the torn-read oracle: a reader whose begin does not
// wait for an even sequence.
TEST_F(Scenario, NegativeControlBrokenSeqcountIsTorn) {
  ScenarioConfig c = under_writer_load("broken-seqcount");
  c.timeout_ms = 1000;
  const ScenarioResult r = run_scenario(c);
  EXPECT_EQ(r.verdict(), Verdict::torn) << verdict_line(r);
  EXPECT_GT(r.oracles.torn_reads, 0u);
  EXPECT_GT(r.oracles.checked_exits, 0u);
}

// ... and the same load on a correct reader: no torn read.
TEST_F(Scenario, CorrectSeqcountUnderTheSameLoadIsNotTorn) {
  const ScenarioResult r = run_scenario(under_writer_load("cookie"));
  EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r);
  EXPECT_GT(r.oracles.checked_exits, 0u);
  EXPECT_GT(r.oracles.max_retries, 0u)
      << "the writer never made a reader retry: the load is too light to mean anything";
}

// Negative control for the watchdog: a vCPU that keeps IRQs masked forever,
// outside any begin/retry loop, under a fix that cannot hang by itself.
TEST_F(Scenario, NegativeControlUnacknowledgedIpiFiresTheWatchdog) {
  ScenarioConfig c = bug_2017();
  c.strategy = "ordered";
  c.inject_stuck_vcpu = true;
  const auto t0 = std::chrono::steady_clock::now();
  const ScenarioResult r = run_scenario(c);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(r.verdict(), Verdict::hang) << verdict_line(r);
  EXPECT_LT(took, std::chrono::seconds(5)) << "the parent must return promptly once the report is in";
  ASSERT_FALSE(r.hangs.empty());
  const std::string& rep = r.hangs[0].report;
  EXPECT_THAT(rep, testing::HasSubstr("(stuck) do_sync_core"));
  EXPECT_THAT(rep, testing::HasSubstr("not in a begin/retry loop"));
}

TEST_F(Scenario, ResultJsonAndVerdictLine) {
  const ScenarioResult r = run_scenario(bug_2017());
  const std::string line = verdict_line(r);
  EXPECT_EQ(line.rfind("verdict: HANG ", 0), 0u) << line;
  EXPECT_THAT(line, testing::HasSubstr("hangs=1/1"));
  const std::string j = result_json(r);
  EXPECT_THAT(j, testing::HasSubstr("\"verdict\": \"HANG\""));
  EXPECT_THAT(j, testing::HasSubstr("\"hang_reports\""));
  expect_all_in(j, {"\"scenario\": \"slub\"", "\"is_fix\": false", "\"work_per_loop\": 64"});
  EXPECT_THAT(line, testing::HasSubstr("scenario=slub strategy=per-site"));
}

// A run that completed no transition shows nothing: never OK.
TEST_F(Scenario, AStressRunThatCompletesNoTransitionIsNotOk) {
  ScenarioConfig c = bug_2017();
  c.strategy = "cookie";
  c.mode = Mode::stress;
  c.trials = 1;
  c.inject_stuck_vcpu = true;  // no sync is ever acknowledged: the only transition hangs
  ScenarioResult r = run_scenario(c);
  EXPECT_EQ(r.verdict(), Verdict::hang) << verdict_line(r);
  r.hung_trials = 0;  // the same run without its hang: it completed nothing
  r.hangs.clear();
  EXPECT_TRUE(r.ran_nothing());
  EXPECT_EQ(r.verdict(), Verdict::error) << verdict_line(r);
  EXPECT_THAT(verdict_line(r), testing::HasSubstr("NOTHING-RAN"));
}

TEST(ScenarioConfig, ValidateExplains) {
  ScenarioConfig c;
  EXPECT_EQ(validate(c), "");
  c.params["initial-seq"] = 3;
  EXPECT_THAT(validate(c), testing::HasSubstr("odd"));
  c = {};
  c.strategy = "nope";
  EXPECT_THAT(validate(c), testing::HasSubstr("its strategies: per-site, batched, ordered, cached, cookie"));
  c = {};
  c.scenario = "nope";
  EXPECT_THAT(validate(c), testing::HasSubstr("no scenario 'nope'"));
  c = {};
  c.order = tag_first("middle");
  EXPECT_THAT(validate(c), testing::HasSubstr("no sites tagged 'middle'"));
  c = {};
  c.params["no-such-param"] = 1;
  EXPECT_THAT(validate(c), testing::HasSubstr("not a parameter of scenario slub"));
  c = {};
  c.readers = 0;
  EXPECT_NE(validate(c), "");
  c = {};
  c.mode = Mode::stress;
  c.trials = 0;
  c.duration_s = 0;
  EXPECT_NE(validate(c), "");
}

TEST(Supervisor, SegmentNameIsGoneAtOnceAndChildrenAreReaped) {
  Supervisor sup(64 * 1024);
  EXPECT_TRUE(testing::pokebench_shm_segments().empty());
  auto* flag = sup.make<std::atomic<int>>();
  auto ex = sup.run_child(
      [&] {
        flag->store(42);
        return 7;
      },
      {});
  EXPECT_TRUE(ex.exited);
  EXPECT_EQ(ex.code, 7);
  EXPECT_EQ(flag->load(), 42) << "the child's write did not reach the parent's mapping";
  // A child that never ends is killed when the poll says so.
  int polls = 0;
  ex = sup.run_child(
      [] {
        for (;;) pause();
        return 0;
      },
      [&] { return ++polls > 5 ? Supervisor::Poll::kill : Supervisor::Poll::keep_waiting; });
  EXPECT_TRUE(ex.killed);
  EXPECT_TRUE(testing::child_processes().empty());
}

}  // namespace
}  // namespace pokebench::harness

#include <pokebench/harness/torture.hpp>

#include <set>
#include <tuple>

namespace pokebench::harness {
namespace {

TEST(Torture, MatrixCoversEveryCellOnceInStressMode) {
  const std::vector<ScenarioConfig> cells = torture_matrix({}, 120);
  EXPECT_EQ(cells.size(), 5u * 2u * 6u * 2u);
  std::set<std::tuple<std::string, int, std::string, int>> seen;
  for (const ScenarioConfig& c : cells) {
    EXPECT_EQ(c.mode, Mode::stress);
    EXPECT_TRUE(c.stop_at_first_hang);
    EXPECT_NE(c.strategy, "broken-seqcount") << "negative controls are not torture cells";
    EXPECT_EQ(c.param("writer-period-us"), 200u) << "the scenario's torture parameter";
    EXPECT_TRUE(
        seen.emplace(c.strategy, static_cast<int>(c.direction), to_string(c.order), static_cast<int>(c.int3)).second);
  }
  ScenarioConfig user;
  user.params["writer-period-us"] = 50;
  EXPECT_EQ(torture_matrix(user, 120).front().param("writer-period-us"), 50u) << "the user's value wins";
}

}  // namespace
}  // namespace pokebench::harness
