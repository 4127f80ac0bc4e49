// Helpers shared by the harness tests: the 2017 bug's configuration, a
// hotplug scenario's race in both modes, leak checks for processes and /dev/shm.
#pragma once

#include <pokebench/harness/config.hpp>
#include <pokebench/harness/runner.hpp>

#include <gmock/gmock.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace pokebench::harness::testing {

// The v4.12 bug: per-site, enable, retry-first, the v4.x int3 handler, one
// deterministic trial, a short watchdog.
inline ScenarioConfig bug_2017() {
  ScenarioConfig c;
  c.strategy = "per-site";
  c.direction = Direction::enable;
  c.order = tag_first("retry");
  c.int3 = patcher::Int3Policy::skip;
  c.mode = Mode::deterministic;
  c.trials = 1;
  c.timeout_ms = 300;
  return c;
}

// One deterministic trial of a hotplug scenario's race (cpu_up for enable).
inline ScenarioConfig hotplug_race(const char* scenario, const char* strategy, Direction d) {
  ScenarioConfig c;
  c.scenario = scenario;
  c.strategy = strategy;
  c.direction = d;
  c.mode = Mode::deterministic;
  c.trials = 1;
  c.timeout_ms = 300;
  return c;
}

// gmock's substring matcher, for the scenarios' messages:
// EXPECT_THAT(r.oracles.violation, testing::HasSubstr("..."))
using ::testing::HasSubstr;

// Runs one deterministic race of `strategy` in direction `d` and expects it
// to fail in its one trial with one violation and no lock-order inversion;
// returns the result for the scenario's own checks of what was seen.
ScenarioResult expect_race_fails(const char* scenario, const char* strategy, Direction d);

// Runs `trials` deterministic races of `strategy` in direction `d` and
// expects OK: every trial run, no violation, no lock-order inversion.
void expect_race_ok(const char* scenario, const char* strategy, Direction d, std::uint64_t trials);

// Runs `races` stress races of `bug` and of `fix` (enable) and expects the
// bug to fail some, with a time to the first failure, and the fix none.
void expect_stress_fails_bug_not_fix(const char* scenario, const char* bug, const char* fix, std::uint64_t races);

// Expects a lock-order checker report: its headline and each of `lines`
// (the cycle's edges, what was held).
void expect_inversion_report(const std::string& report, std::initializer_list<const char*> lines);

// Sets an environment variable for a scope (the trial children inherit
// it); set it only while the process has one thread.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_, old_;
  bool had_;
};

// Names in /dev/shm that start with "pokebench-".
std::vector<std::string> pokebench_shm_segments();
// Live child processes of this process (any thread's children).
std::vector<int> child_processes();

}  // namespace pokebench::harness::testing
