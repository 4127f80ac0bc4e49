// The wq-pool-cpumask scenario: an unbound workqueue pool's cpumask computed
// from the cpu-to-node map while CPU hotplug changes it
// (docs/scenario-wq-pool-cpumask.md).
#pragma once

#include <pokebench/harness/scenario.hpp>

namespace pokebench::harness::wq_pool_cpumask {

const Scenario& scenario();

}  // namespace pokebench::harness::wq_pool_cpumask
