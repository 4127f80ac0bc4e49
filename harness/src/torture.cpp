// The torture matrix (rcutorture-style: one row per cell, SUCCESS/FAILURE).
#include <pokebench/harness/supervisor.hpp>
#include <pokebench/harness/torture.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace pokebench::harness {

namespace pp = pokebench::patcher;

std::vector<ScenarioConfig> torture_matrix(const ScenarioConfig& base, double duration_s) {
  const Scenario& sc = scenario_of(base);
  ScenarioConfig with_defaults = base;
  for (const auto& [name, value] : sc.torture_params()) with_defaults.params.emplace(name, value);  // keeps the user's
  std::vector<ScenarioConfig> cells;
  // A scenario that patches nothing has one order and one int3 policy: the base's.
  const std::vector<PatchOrder> orders = sc.patches_code() ? sc.orders() : std::vector<PatchOrder>{base.order};
  std::vector<pp::Int3Policy> policies;
  for (const auto& [p, pname] : pp::kInt3PolicyNames)
    if (sc.patches_code() || p == base.int3) policies.push_back(p);
  for (const StrategyInfo* s : sc.listed_strategies())
    for (const auto& [d, dname] : kDirectionNames)
      for (const PatchOrder& o : orders)
        for (const pp::Int3Policy p : policies) {
          ScenarioConfig c = with_defaults;
          c.strategy = s->name;
          c.direction = d;
          c.order = o;
          c.int3 = p;
          c.mode = Mode::stress;
          c.trials = 0;
          c.stop_at_first_hang = true;  // a hung cell has shown what it shows
          cells.push_back(c);
        }
  const double share = duration_s / static_cast<double>(cells.size());
  for (ScenarioConfig& c : cells) c.duration_s = share;
  return cells;
}

namespace {

std::string cell_name(const ScenarioConfig& c) {
  if (!scenario_of(c).patches_code()) return fmt::format("{}/{}", c.strategy, to_string(c.direction));
  return fmt::format("{}/{}/{}/{}", c.strategy, to_string(c.direction), to_string(c.order), pp::to_string(c.int3));
}

bool is_cell(const ScenarioConfig& c, const Cell& k) {
  if (!scenario_of(c).patches_code()) return c.strategy == k.strategy && c.direction == k.direction;
  return c.strategy == k.strategy && c.direction == k.direction && c.order == k.order && c.int3 == k.int3;
}

}  // namespace

TortureResult run_torture(double duration_s,
                          const std::function<void(const TortureCell&, std::size_t, std::size_t)>& on_cell,
                          ScenarioConfig base) {
  TortureResult tr;
  const std::int64_t t0 = now_ns();
  const Scenario& sc = scenario_of(base);
  const std::optional<Cell> bug = sc.known_bug();
  const std::vector<ScenarioConfig> cells = torture_matrix(base, duration_s);
  bool bug_reproduced = false;
  std::string failures, first_error;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    TortureCell cell;
    cell.config = cells[i];
    // Share what is left of the budget among the cells left: a cell that
    // overran (a hang detected after its deadline) shortens the others.
    const double left = duration_s - static_cast<double>(now_ns() - t0) / 1e9;
    cell.config.duration_s = std::max(0.02, left / static_cast<double>(cells.size() - i));
    cell.expected_ok = sc.find_strategy(cell.config.strategy)->is_fix;
    cell.result = run_scenario(cell.config);
    const Verdict v = cell.result.verdict();
    if (v == Verdict::error) {
      if (tr.error_cells++ == 0)
        first_error = fmt::format("{}: {}", cell_name(cell.config),
                                  !cell.result.errors.empty() ? cell.result.errors.front()
                                  : cell.result.ran_nothing() ? "no transition completed"
                                                              : "a stray SIGTRAP");
      if (tr.environment_error.empty()) tr.environment_error = cell.result.environment_error;
    } else if (cell.expected_ok && v != Verdict::ok) {
      failures += fmt::format("{}{}: {}", failures.empty() ? "" : "; ", cell_name(cell.config), to_string(v));
    }
    if (bug && is_cell(cell.config, *bug) && (v == Verdict::hang || v == Verdict::fail)) bug_reproduced = true;
    tr.interrupted = cell.result.interrupted;
    tr.cells.push_back(std::move(cell));
    if (on_cell) on_cell(tr.cells.back(), i, cells.size());
    if (tr.interrupted) break;
    // A machine limit fails every later cell the same way: stop and say it.
    if (!tr.environment_error.empty()) break;
  }
  tr.seconds = static_cast<double>(now_ns() - t0) / 1e9;
  if (tr.interrupted) {
    tr.why = fmt::format("interrupted after {} of {} cells", tr.cells.size(), cells.size());
  } else if (!failures.empty()) {
    tr.fix_failed = true;
    tr.why = "a fix failed: " + failures;
  } else if (!tr.environment_error.empty()) {
    tr.why = tr.environment_error;
  } else if (tr.error_cells > 0) {
    tr.why = fmt::format(
        "{} of {} cells gave no verdict (ERROR; first: {}); a cell that runs nothing shows "
        "nothing: give the matrix more time (--duration) or see the errors above",
        tr.error_cells, cells.size(), first_error);
  } else if (bug && !bug_reproduced) {
    tr.why = fmt::format("the known bug ({}) neither hung nor failed: the harness cannot see the bug", cell_name([&] {
                           ScenarioConfig c = base;
                           c.strategy = bug->strategy;
                           c.direction = bug->direction;
                           c.order = bug->order;
                           c.int3 = bug->int3;
                           return c;
                         }()));
  } else {
    tr.success = true;
  }
  tr.cells_planned = cells.size();
  return tr;
}

std::string torture_header() {
  return fmt::format("{:<9} {:<8} {:<12} {:<12} {:>11} {:>6} {:>9} {:>8} {:>9} {:>8}  {}", "strategy", "dir", "order",
                     "int3", "hangs/trans", "torn", "unchecked", "max-rtry", "int3-hits", "trans/s", "verdict");
}

std::string torture_json(const TortureResult& tr) {
  nlohmann::json cells = nlohmann::json::array();
  for (const TortureCell& c : tr.cells)
    cells.push_back({{"strategy", c.config.strategy},
                     {"direction", to_string(c.config.direction)},
                     {"order", to_string(c.config.order)},
                     {"int3", patcher::to_string(c.config.int3)},
                     {"verdict", to_string(c.result.verdict())},
                     {"trials", c.result.trials},
                     {"hangs", c.result.hung_trials},
                     {"torn_reads", c.result.oracles.torn_reads},
                     {"violations", c.result.oracles.violations},
                     {"lock_inversions", c.result.oracles.lock_inversions},
                     {"expected_ok", c.expected_ok}});
  const std::string scenario = tr.cells.empty() ? "" : tr.cells.front().config.scenario;
  nlohmann::json j{{"schema_version", 2},
                   {"scenario", scenario},
                   {"success", tr.success},
                   {"seconds", tr.seconds},
                   {"why", tr.why},
                   {"interrupted", tr.interrupted},
                   {"cells_planned", tr.cells_planned},
                   {"error_cells", tr.error_cells},
                   {"fix_failed", tr.fix_failed},
                   {"correctness_matrix", cells}};
  return j.dump(2);
}

std::string torture_row(const TortureCell& c) {
  const ScenarioResult& r = c.result;
  const Verdict v = r.verdict();
  const char* mark = v == Verdict::error                 ? "  <-- NO VERDICT"
                     : c.expected_ok && v != Verdict::ok ? "  <-- FIX FAILED"
                                                         : "";
  return fmt::format(
      "{:<9} {:<8} {:<12} {:<12} {:>11} {:>6} {:>9} {:>8} {:>9} {:>8.0f}  {}{}", c.config.strategy,
      to_string(c.config.direction), to_string(c.config.order), pp::to_string(c.config.int3),
      fmt::format("{}/{}", r.hung_trials, r.trials), r.oracles.torn_reads, r.oracles.unchecked_inflight,
      r.oracles.max_retries, r.oracles.int3_hits, r.transitions_per_s(), to_string(v),
      r.oracles.violations + r.oracles.lock_inversions > 0
          ? fmt::format(" (violations {}, lock inversions {}){}", r.oracles.violations, r.oracles.lock_inversions, mark)
          : std::string(mark));
}

}  // namespace pokebench::harness
