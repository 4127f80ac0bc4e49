// Helpers shared by the harness tests: the 2017 bug's configuration, leak
// checks for processes and /dev/shm.
#pragma once

#include <pokebench/harness/config.hpp>

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

// Names in /dev/shm that start with "pokebench-".
std::vector<std::string> pokebench_shm_segments();
// Live child processes of this process (any thread's children).
std::vector<int> child_processes();

}  // namespace pokebench::harness::testing
