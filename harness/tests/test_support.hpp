// Helpers shared by the harness tests: leak checks for processes and /dev/shm.
#pragma once

#include <string>
#include <vector>

namespace pokebench::harness::testing {

// Names in /dev/shm that start with "pokebench-".
std::vector<std::string> pokebench_shm_segments();
// Live child processes of this process (any thread's children).
std::vector<int> child_processes();

} // namespace pokebench::harness::testing
