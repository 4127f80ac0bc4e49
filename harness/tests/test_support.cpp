#include "test_support.hpp"

#include <pokebench/harness/runner.hpp>

#include <gtest/gtest.h>

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pokebench::harness::testing {

void expect_race_ok(const char* scenario, const char* strategy, Direction d, std::uint64_t trials) {
  ScenarioConfig c = hotplug_race(scenario, strategy, d);
  c.trials = trials;
  const ScenarioResult r = run_scenario(c);
  EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << " " << r.oracles.violation;
  EXPECT_EQ(r.oracles.violations, 0u) << verdict_line(r);
  EXPECT_EQ(r.oracles.lock_inversions, 0u) << verdict_line(r) << "\n" << r.oracles.inversion;
  EXPECT_EQ(r.trials, trials) << verdict_line(r);
}

ScenarioResult expect_race_fails(const char* scenario, const char* strategy, Direction d) {
  ScenarioResult r = run_scenario(hotplug_race(scenario, strategy, d));
  EXPECT_EQ(r.verdict(), Verdict::fail) << verdict_line(r);
  EXPECT_EQ(r.trials, 1u);
  EXPECT_EQ(r.oracles.violations, 1u) << verdict_line(r);
  EXPECT_EQ(r.oracles.lock_inversions, 0u) << r.oracles.inversion;
  return r;
}

void expect_stress_fails_bug_not_fix(const char* scenario, const char* bug, const char* fix, std::uint64_t races) {
  for (const char* s : {bug, fix}) {
    ScenarioConfig c = hotplug_race(scenario, s, Direction::enable);
    c.mode = Mode::stress;
    c.trials = races;
    const ScenarioResult r = run_scenario(c);
    EXPECT_EQ(r.oracles.transitions, races) << verdict_line(r);
    if (s == bug) {
      EXPECT_EQ(r.verdict(), Verdict::fail) << verdict_line(r);
      EXPECT_GT(r.oracles.violations, 0u);
      EXPECT_GE(r.first_violation_s, 0.0);
    } else {
      EXPECT_EQ(r.verdict(), Verdict::ok) << verdict_line(r) << " " << r.oracles.violation;
    }
  }
}

void expect_inversion_report(const std::string& report, std::initializer_list<const char*> lines) {
  EXPECT_THAT(report, HasSubstr("possible circular locking dependency"));
  for (const char* line : lines) EXPECT_THAT(report, HasSubstr(line));
}

ScopedEnv::ScopedEnv(const char* name, const char* value) : name_(name) {
  const char* old = std::getenv(name);
  had_ = old != nullptr;
  if (had_) old_ = old;
  setenv(name, value, 1);
}

ScopedEnv::~ScopedEnv() {
  if (had_)
    setenv(name_.c_str(), old_.c_str(), 1);
  else
    unsetenv(name_.c_str());
}

std::vector<std::string> pokebench_shm_segments() {
  std::vector<std::string> out;
  if (DIR* d = opendir("/dev/shm")) {
    while (dirent* e = readdir(d))
      if (std::string(e->d_name).rfind("pokebench-", 0) == 0) out.emplace_back(e->d_name);
    closedir(d);
  }
  return out;
}

std::vector<int> child_processes() {
  std::vector<int> out;
  const std::string task = "/proc/" + std::to_string(getpid()) + "/task";
  if (DIR* d = opendir(task.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream f(task + "/" + e->d_name + "/children");
      int pid = 0;
      while (f >> pid) out.push_back(pid);
    }
    closedir(d);
  }
  return out;
}

}  // namespace pokebench::harness::testing
