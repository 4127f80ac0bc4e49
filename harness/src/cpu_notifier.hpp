// The cpu-notifier scenario: registering a CPU hotplug notifier while CPUs
// come and go, and the CPU_POST_DEAD rule (docs/scenario-cpu-notifier.md).
#pragma once

#include <pokebench/harness/scenario.hpp>

namespace pokebench::harness::cpu_notifier {

const Scenario& scenario();

}  // namespace pokebench::harness::cpu_notifier
