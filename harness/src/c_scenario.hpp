// Scenarios declared in kernel C (pokebench/kernel/scenario.h) behind the
// Scenario seam. Private to the harness: the registry adopts them.
#pragma once

#include <pokebench/harness/scenario.hpp>

#include <vector>

namespace pokebench::harness::detail {

// Appends a Scenario for every C declaration registered since the last call
// (a bad one is added too: its validate() says what is wrong; one without a
// name or with a taken name is left out with a warning).
void adopt_c_scenarios(std::vector<const Scenario*>& registry);

}  // namespace pokebench::harness::detail
