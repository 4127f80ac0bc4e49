// The trial runner (parent side): forks trial children under the supervisor,
// kills a hung one once it has written its report, aggregates the oracles,
// and turns them into a verdict.
#include <pokebench/harness/runner.hpp>
#include <pokebench/harness/supervisor.hpp>

#include "shared_state.hpp"
#include "trial.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <system_error>

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace pokebench::harness {

namespace {

// What to change when `err` says the machine refused a resource; empty when
// `err` is not such a refusal.
std::string machine_limit_advice(int err, const char* what) {
  if (err != EAGAIN && err != ENOMEM) return {};
  rlimit lim{};
  std::string now = "unknown";
  if (getrlimit(RLIMIT_NPROC, &lim) == 0)
    now = lim.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(lim.rlim_cur);
  return fmt::format(
      "cannot {}: {}; each trial needs a process and a thread per emulated CPU, and the limit on "
      "this user's processes and threads (ulimit -u) is {}: raise it (ulimit -u 4096) or free memory",
      what, std::strerror(err), now);
}

}  // namespace

Verdict ScenarioResult::verdict() const noexcept {
  if (hung_trials > 0) return Verdict::hang;
  if (oracles.torn_reads > 0) return Verdict::torn;
  if (oracles.violations > 0 || oracles.lock_inversions > 0) return Verdict::fail;
  if (!errors.empty() || oracles.stray_sigtraps > 0 || ran_nothing()) return Verdict::error;
  return Verdict::ok;
}

bool ScenarioResult::ran_nothing() const noexcept {
  return config.mode == Mode::stress ? oracles.transitions == 0 : trials == 0;
}

double ScenarioResult::transitions_per_s() const noexcept {
  return seconds > 0 ? static_cast<double>(oracles.transitions) / seconds : 0;
}

ScenarioResult run_scenario(const ScenarioConfig& cfg, const ProgressFn& progress) {
  if (const std::string why = validate(cfg); !why.empty()) throw std::invalid_argument(why);
  ScenarioResult res;
  res.config = cfg;

  Supervisor sup(1 << 20);
  auto* shared = sup.make<detail::SharedTrialState>();
  const std::int64_t start = now_ns();
  const std::int64_t deadline = cfg.duration_s > 0 ? start + static_cast<std::int64_t>(cfg.duration_s * 1e9) : 0;
  // A child that makes no progress for this long without reporting is killed
  // (its watchdog should have fired after timeout_ms).
  const std::int64_t stale_ns = (2 * static_cast<std::int64_t>(cfg.timeout_ms) + 3000) * 1'000'000;
  const bool stress = cfg.mode == Mode::stress;
  const std::uint64_t planned = cfg.trials;

  while (!Supervisor::interrupted()) {
    if (stress) {
      if (cfg.trials > 0 && res.trials >= cfg.trials) break;
      if (deadline && now_ns() >= deadline) break;
    } else if (res.trials >= cfg.trials) {
      break;
    }
    sup.destroy(shared);
    shared = sup.make<detail::SharedTrialState>();
    const std::uint64_t budget = stress ? (cfg.trials > 0 ? cfg.trials - res.trials : ~std::uint64_t{0}) : 1;

    std::uint64_t last_hb = 0;
    std::int64_t last_change = now_ns();
    std::int64_t last_progress = last_change;
    bool stale = false;
    auto poll = [&]() {
      // Acquire pairs with the child's release store of status.
      const int st = shared->status.load(std::memory_order_acquire);
      if (st == detail::kHang) return Supervisor::Poll::kill;
      const std::int64_t t = now_ns();
      const std::uint64_t hb = shared->heartbeat.load(std::memory_order_relaxed);
      if (hb != last_hb) {
        last_hb = hb;
        last_change = t;
      } else if (t - last_change > stale_ns) {
        stale = true;
        return Supervisor::Poll::kill;
      }
      if (stress && progress && t - last_progress > 1'000'000'000) {
        last_progress = t;
        progress(res.trials + shared->transitions_done.load(std::memory_order_relaxed), planned, res.hung_trials);
      }
      return Supervisor::Poll::keep_waiting;
    };
    Supervisor::ChildExit ex;
    try {
      ex = sup.run_child(
          [&] {
            try {
              return detail::run_trial_child(cfg, *shared, budget, deadline);
            } catch (const std::exception& e) {
              detail::SharedTrialState::put(shared->error, sizeof shared->error, e.what());
              if (const auto* se = dynamic_cast<const std::system_error*>(&e)) shared->error_errno = se->code().value();
              // Release pairs with the parent's acquire load of status.
              shared->status.store(detail::kError, std::memory_order_release);
              return 3;
            }
          },
          poll);
    } catch (const std::system_error& e) {
      res.errors.push_back(fmt::format("cannot start a trial child: {}", e.what()));
      res.environment_error = machine_limit_advice(e.code().value(), "start a trial child (fork)");
      break;
    }
    if (ex.interrupted) {
      res.interrupted = true;
      // The child's oracles died with it; its completed transitions did happen.
      const std::uint64_t done = shared->transitions_done.load(std::memory_order_relaxed);
      res.trials += stress ? done : 0;
      res.oracles.transitions += done;
      break;
    }
    if (res.pinning_warning.empty()) res.pinning_warning = shared->pin_warning;
    const int st = shared->status.load(std::memory_order_acquire);
    const std::uint64_t done = shared->transitions_done.load(std::memory_order_relaxed);
    if (st == detail::kHang || stale) {
      Oracles o = shared->oracles;
      const std::uint64_t index = stress ? res.trials + done + 1 : res.trials + 1;
      res.trials += stress ? done + 1 : 1;
      res.hung_trials++;
      o.hangs = 1;
      o.transitions = done;
      res.oracles.merge(o);
      const double at = static_cast<double>(now_ns() - start) / 1e9;
      if (res.first_hang_s < 0) res.first_hang_s = at;
      if (res.hangs.size() < 8) {
        std::string report = st == detail::kHang
                                 ? std::string(shared->report)
                                 : fmt::format(
                                       "pokebench: hang report: the trial child made no progress "
                                       "for {} ms and wrote no report; last patcher position: "
                                       "site {} of {}, step {}/3, observer step {}\n",
                                       stale_ns / 1'000'000, shared->pos_index.load() + 1, shared->pos_count.load(),
                                       shared->pos_phase.load(), shared->pos_step.load());
        res.hangs.push_back({index, at, std::move(report)});
      }
      if (cfg.stop_at_first_hang) break;
    } else if (st == detail::kDone && ex.exited && ex.code == 0) {
      res.oracles.merge(shared->oracles);
      res.trials += stress ? done : 1;
      if (stress && done == 0) break;  // the deadline passed before a transition
    } else {
      res.errors.push_back(fmt::format("trial child {} ({}){}", ex.describe(),
                                       st == detail::kDone ? "after finishing" : "before finishing",
                                       shared->error[0] ? std::string(": ") + shared->error : std::string()));
      res.trials += stress ? done : 0;
      if (res.environment_error.empty())
        res.environment_error = machine_limit_advice(shared->error_errno, "start the trial's threads");
      if (!res.environment_error.empty()) break;  // the next child would fail the same way
      if (res.errors.size() >= 3) break;          // something is wrong with the environment: stop
    }
    if (progress && !stress) progress(res.trials, planned, res.hung_trials);
  }
  res.seconds = static_cast<double>(now_ns() - start) / 1e9;
  if (res.oracles.first_violation_ns != 0)
    res.first_violation_s = static_cast<double>(res.oracles.first_violation_ns - start) / 1e9;
  sup.destroy(shared);
  return res;
}

std::string verdict_line(const ScenarioResult& r) {
  const Oracles& o = r.oracles;
  const nlohmann::ordered_json f = config_fields(r.config);
  std::string cell;
  for (const char* name : {"scenario", "strategy", "direction", "order", "int3", "mode"})
    cell += fmt::format("{}{}={}", cell.empty() ? "" : " ", name, f[name].get<std::string>());
  std::string counts = fmt::format(
      "{}: hangs={}/{} torn={} unchecked-inflight={} checked={} unchecked={} max-retries={} int3-hits={} "
      "stray-sigtraps={} transitions={}",
      cell, r.hung_trials, r.trials, o.torn_reads, o.unchecked_inflight, o.checked_exits, o.unchecked_exits,
      o.max_retries, o.int3_hits, o.stray_sigtraps, o.transitions);
  if (r.config.mode == Mode::stress) counts += fmt::format(" transitions/s={:.0f}", r.transitions_per_s());
  if (r.first_hang_s >= 0) counts += fmt::format(" first-hang-after={:.2f}s", r.first_hang_s);
  if (o.violations > 0 || o.lock_inversions > 0)
    counts += fmt::format(" violations={} lock-inversions={}", o.violations, o.lock_inversions);
  if (r.first_violation_s >= 0) counts += fmt::format(" first-failure-after={:.3f}s", r.first_violation_s);
  if (o.windows > 0)
    counts += fmt::format(" windows={} window-mean-us={:.0f} window-max-us={:.0f}", o.windows,
                          static_cast<double>(o.window_ns_total) / 1e3 / static_cast<double>(o.windows),
                          static_cast<double>(o.window_ns_max) / 1e3);
  if (!r.errors.empty()) counts += fmt::format(" errors={}", r.errors.size());
  if (r.ran_nothing()) counts += " NOTHING-RAN";
  if (r.interrupted) counts += " INTERRUPTED";
  return fmt::format("verdict: {} {}", to_string(r.verdict()), counts);
}

std::string result_json(const ScenarioResult& r) {
  const Oracles& o = r.oracles;
  const StrategyInfo* st = scenario_of(r.config).find_strategy(r.config.strategy);
  nlohmann::ordered_json j;
  j["schema_version"] = 2;
  j["scenario"] = r.config.scenario;
  j["is_fix"] = st != nullptr && st->is_fix;
  j["config"] = config_json(r.config);
  j["verdict"] = to_string(r.verdict());
  j["trials"] = r.trials;
  j["hangs"] = r.hung_trials;
  j["seconds"] = r.seconds;
  j["first_hang_s"] = r.first_hang_s < 0 ? nlohmann::json() : nlohmann::json(r.first_hang_s);
  j["first_violation_s"] = r.first_violation_s < 0 ? nlohmann::json() : nlohmann::json(r.first_violation_s);
  if (o.violation[0] != 0) j["first_violation"] = std::string(o.violation);
  if (o.inversion[0] != 0) j["first_inversion"] = std::string(o.inversion);
  j["transitions_per_s"] = r.transitions_per_s();
  j["interrupted"] = r.interrupted;
  j["ran_nothing"] = r.ran_nothing();
  nlohmann::ordered_json oracles;
  for (const OracleCounter& c : kOracleCounters) oracles[c.name] = o.*c.field;
  j["oracles"] = oracles;
  nlohmann::json hangs = nlohmann::json::array();
  for (const HangEvent& h : r.hangs)
    hangs.push_back({{"trial", h.trial}, {"seconds", h.seconds}, {"report", h.report}});
  j["hang_reports"] = hangs;
  j["errors"] = r.errors;
  if (!r.pinning_warning.empty()) j["pinning_warning"] = r.pinning_warning;
  return j.dump(2);
}

}  // namespace pokebench::harness
