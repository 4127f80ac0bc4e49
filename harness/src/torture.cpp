// The torture matrix (rcutorture-style: one row per cell, SUCCESS/FAILURE).
#include <pokebench/harness/torture.hpp>
#include <pokebench/harness/supervisor.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace pokebench::harness {

namespace pp = pokebench::patcher;

std::vector<ScenarioConfig> torture_matrix(const ScenarioConfig& base, double duration_s) {
  using cpuset::Strategy;
  std::vector<ScenarioConfig> cells;
  for (Strategy s : {Strategy::per_site, Strategy::batched, Strategy::ordered, Strategy::cached, Strategy::cookie})
    for (Direction d : {Direction::enable, Direction::disable})
      for (SiteOrder o : kAllOrders)
        for (pp::Int3Policy p : {pp::Int3Policy::skip, pp::Int3Policy::emulate_new}) {
          ScenarioConfig c = base;
          c.strategy = s;
          c.direction = d;
          c.order = o;
          c.int3 = p;
          c.mode = Mode::stress;
          c.trials = 0;
          c.stop_at_first_hang = true; // a hung cell has shown what it shows
          cells.push_back(c);
        }
  const double share = duration_s / static_cast<double>(cells.size());
  for (ScenarioConfig& c : cells) c.duration_s = share;
  return cells;
}

TortureResult run_torture(double duration_s, const std::function<void(const TortureCell&, std::size_t, std::size_t)>& on_cell,
                          ScenarioConfig base) {
  TortureResult tr;
  const std::int64_t t0 = now_ns();
  const std::vector<ScenarioConfig> cells = torture_matrix(base, duration_s);
  bool bug_reproduced = false;
  std::string failures;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    TortureCell cell;
    cell.config = cells[i];
    // Share what is left of the budget among the cells left: a cell that
    // overran (a hang detected after its deadline) shortens the others.
    const double left = duration_s - static_cast<double>(now_ns() - t0) / 1e9;
    cell.config.duration_s = std::max(0.02, left / static_cast<double>(cells.size() - i));
    cell.expected_ok = cpuset::is_fix(cell.config.strategy) || cell.config.strategy == cpuset::Strategy::batched;
    cell.result = run_scenario(cell.config);
    const Verdict v = cell.result.verdict();
    if (cell.expected_ok && (v != Verdict::ok || cell.result.oracles.transitions == 0))
      failures += fmt::format("{}{}/{}/{}/{}: {}{}", failures.empty() ? "" : "; ", cpuset::strategy_name(cell.config.strategy),
                              to_string(cell.config.direction), to_string(cell.config.order), pp::to_string(cell.config.int3),
                              to_string(v), cell.result.oracles.transitions == 0 ? " (no transition completed)" : "");
    if (cell.config.strategy == cpuset::Strategy::per_site && cell.config.direction == Direction::enable &&
        cell.config.order == SiteOrder::retry_first && cell.config.int3 == pp::Int3Policy::skip && v == Verdict::hang)
      bug_reproduced = true;
    tr.interrupted = cell.result.interrupted;
    tr.cells.push_back(std::move(cell));
    if (on_cell) on_cell(tr.cells.back(), i, cells.size());
    if (tr.interrupted) break;
  }
  tr.seconds = static_cast<double>(now_ns() - t0) / 1e9;
  if (tr.interrupted) {
    tr.why = "interrupted";
  } else if (!failures.empty()) {
    tr.why = "a fix failed: " + failures;
  } else if (!bug_reproduced) {
    tr.why = "the v4.12 bug (per-site, enable, retry-first, skip) did not hang: the harness cannot see the bug";
  } else {
    tr.success = true;
  }
  return tr;
}

std::string torture_header() {
  return fmt::format("{:<9} {:<8} {:<12} {:<12} {:>11} {:>6} {:>9} {:>8} {:>9} {:>8}  {}", "strategy", "dir", "order",
                     "int3", "hangs/trans", "torn", "unchecked", "max-rtry", "int3-hits", "trans/s", "verdict");
}

std::string torture_json(const TortureResult& tr) {
  nlohmann::json cells = nlohmann::json::array();
  for (const TortureCell& c : tr.cells)
    cells.push_back({{"strategy", cpuset::strategy_name(c.config.strategy)},
                     {"direction", to_string(c.config.direction)},
                     {"order", to_string(c.config.order)},
                     {"int3", patcher::to_string(c.config.int3)},
                     {"verdict", to_string(c.result.verdict())},
                     {"trials", c.result.trials},
                     {"hangs", c.result.hung_trials},
                     {"torn_reads", c.result.oracles.torn_reads},
                     {"expected_ok", c.expected_ok}});
  nlohmann::json j{{"schema_version", 1},      {"success", tr.success},         {"seconds", tr.seconds},
                   {"why", tr.why},            {"interrupted", tr.interrupted}, {"correctness_matrix", cells}};
  return j.dump(2);
}

std::string torture_row(const TortureCell& c) {
  const ScenarioResult& r = c.result;
  const Verdict v = r.verdict();
  const char* mark = c.expected_ok ? (v == Verdict::ok ? "" : "  <-- FIX FAILED") : "";
  return fmt::format("{:<9} {:<8} {:<12} {:<12} {:>11} {:>6} {:>9} {:>8} {:>9} {:>8.0f}  {}{}",
                     cpuset::strategy_name(c.config.strategy), to_string(c.config.direction), to_string(c.config.order),
                     pp::to_string(c.config.int3), fmt::format("{}/{}", r.hung_trials, r.trials), r.oracles.torn_reads,
                     r.oracles.unchecked_inflight, r.oracles.max_retries, r.oracles.int3_hits, r.transitions_per_s(),
                     to_string(v), mark);
}

} // namespace pokebench::harness
