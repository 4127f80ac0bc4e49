// One trial child: the machine, the scenario's world, the toggler; and the
// hang report its CSD-lock watchdog writes. Private to the harness.
#pragma once

#include "hold.hpp"
#include "shared_state.hpp"

#include <pokebench/harness/runner.hpp>
#include <pokebench/harness/scenario.hpp>
#include <pokebench/harness/vcpu.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pokebench::harness::detail {

// Where the patcher is (kept by the observer on the patching thread).
struct PatcherPosition {
  bool valid = false;
  const static_key* key = nullptr;
  bool enabling = false;
  std::size_t index = 0, count = 0, batch = 0, batches = 0;
  patcher::Phase phase = patcher::Phase::int3;
  patcher::Step step = patcher::Step::before_write;
  const void* site = nullptr;  // nullptr: a batch-wide sync
  const char* tag = "";
  std::uint64_t transition = 0;  // tested transitions started in this child
  bool tested = false;           // inside the transition under test
};

struct HangContext {
  const ScenarioConfig* cfg = nullptr;
  const StrategyInfo* strategy = nullptr;
  const TrialWorld* world = nullptr;
  Machine* machine = nullptr;
  const std::vector<std::unique_ptr<ReaderSlot>>* readers = nullptr;
  std::vector<NamedKey> keys;
  std::vector<NamedFunction> functions;  // reader functions
  const PatcherPosition* pos = nullptr;
  std::int64_t start_ns = 0;
};

// The kernel-style report for a sync that a vCPU has not acknowledged.
std::string format_hang_report(const HangContext& ctx, const CsdStall& stall, const char* what);

// Runs in the forked child: at most max_transitions tested transitions
// (deterministic: exactly one), stopping at deadline_ns (0: none). Writes the
// outcome into `shared`; returns the child's exit code.
int run_trial_child(const ScenarioConfig& cfg, SharedTrialState& shared, std::uint64_t max_transitions,
                    std::int64_t deadline_ns);

}  // namespace pokebench::harness::detail
