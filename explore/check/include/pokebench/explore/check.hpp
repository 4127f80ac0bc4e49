// The model against the real harness (explore/README.md, "Cross-check" and
// "Replay"): one cell of the torture matrix run both ways, and a hang
// counterexample turned into a forced schedule for the deterministic mode.
// A target of its own (pokebench::explore_check) above both the model and
// the harness; the model itself stays below the harness.
#pragma once

#include <pokebench/explore/model.hpp>
#include <pokebench/explore/search.hpp>
#include <pokebench/harness/config.hpp>
#include <pokebench/harness/runner.hpp>

#include <string>
#include <vector>

namespace pokebench::explore {

// The model of a real cell: its strategy's reader code, its direction,
// order and int3 policy, one reader, and the real site layout (the slub
// scenario's reader functions, each site's key, half and code address, in
// table order, read from the patcher's tables in this process). Throws
// std::invalid_argument for a cell the model does not cover (another
// scenario, a strategy the model lacks).
ModelConfig model_of(const harness::ScenarioConfig& real);

// The harness verdict a model verdict predicts (UNSAFE: TORN).
harness::Verdict predicted(Verdict v) noexcept;

struct CellCheck {
  harness::ScenarioConfig real_config;
  harness::ScenarioResult real;
  ModelConfig model;
  Result model_result;
  bool agree = false;
  // Both verdict lines, the real hang report and the model's first trace.
  std::string both() const;
};

// Runs `real` (deterministic mode) and explores `model`; they agree when
// the model's verdict predicts the real one and the model was complete.
CellCheck check_cell(const harness::ScenarioConfig& real, const ModelConfig& model, const Limits& limits = {});

// The deterministic cells of the torture matrix of `base`'s scenario, in
// torture's order, each with the watchdog at `timeout_ms`.
std::vector<harness::ScenarioConfig> deterministic_cells(const harness::ScenarioConfig& base, unsigned timeout_ms);

// A counterexample replayed on real threads with the real patched code.
struct Replay {
  ModelConfig model;
  Result model_result;  // the model's search of the cell
  harness::ScenarioConfig real_config;
  harness::ScenarioResult real;
  bool replayed = false;  // a hang trace was turned into a schedule (else the cell ran as is)
  std::string schedule;   // the forced schedule, in words
  bool agree = false;     // the real verdict is the one the model predicts
  std::string both() const;
};

// Explores the cell's model; if it hangs, replays the shortest hang trace:
// the readers sit out (parked, IRQs on) the protocol writes done before the
// stuck reader turned IRQs off, and are held inside an IRQ-off section from
// the next write on (ScenarioConfig::hold_from_write). A cell the model
// proves runs with the default schedule.
Replay replay_cell(const harness::ScenarioConfig& real, const Limits& limits = {});

}  // namespace pokebench::explore
