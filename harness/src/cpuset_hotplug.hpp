// The cpuset-hotplug scenario: cpu_up returning before cpuset_hotplug_work
// rebuilt the cpusets (docs/scenario-cpuset-hotplug.md).
#pragma once

#include <pokebench/harness/scenario.hpp>

namespace pokebench::harness::cpuset_hotplug {

const Scenario& scenario();

}  // namespace pokebench::harness::cpuset_hotplug
