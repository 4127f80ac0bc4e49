// The mem-hotplug scenario: online_pages() updating per-CPU numa_mem with
// for_each_online_cpu while CPUs come and go (docs/scenario-mem-hotplug.md).
#pragma once

#include <pokebench/harness/scenario.hpp>

namespace pokebench::harness::mem_hotplug {

const Scenario& scenario();

}  // namespace pokebench::harness::mem_hotplug
