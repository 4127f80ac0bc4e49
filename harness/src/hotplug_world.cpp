// What the hotplug scenarios' worlds share (see hotplug_world.hpp).
#include "hotplug_world.hpp"

#include <pokebench/harness/vcpu.hpp>

#include <fmt/format.h>

#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace pokebench::harness::detail {

void spin_for_ns(std::int64_t ns) {
  const std::int64_t until = now_ns() + ns;
  while (now_ns() < until) cpu_relax();
}

void ViolationLog::record(const std::function<std::string()>& describe) {
  std::lock_guard g(m_);
  if (violations_++ != 0) return;
  first_ns_ = now_ns();
  first_ = describe();
}

void ViolationLog::collect(Oracles& o, const LockDep& dep) const {
  std::lock_guard g(m_);
  o.violations = violations_;
  o.first_violation_ns = first_ns_;
  std::snprintf(o.violation, sizeof o.violation, "%s", first_.c_str());
  const std::vector<std::string> inv = dep.inversions();
  o.lock_inversions = inv.size();
  std::snprintf(o.inversion, sizeof o.inversion, "%s", inv.empty() ? "" : inv.front().c_str());
}

std::string deadlock_report(const LockDep& dep, const CpuHotplug* hp, unsigned timeout_ms, const std::string& cycle) {
  return hang_report(
      dep, hp,
      fmt::format("deadlock: the lock watchdog found threads waiting for each other (for over {} ms)\n{}", timeout_ms,
                  cycle));
}

std::string hang_report(const LockDep& dep, const CpuHotplug* hp, const std::string& what) {
  std::string text = fmt::format("pokebench: hang report: {}every emulated lock held or waited for:\n{}CPUs:\n{}", what,
                                 dep.held_locks_report(), hp != nullptr ? hp->describe() : "");
  const std::vector<std::string> inv = dep.inversions();
  if (!inv.empty()) text += "the lock-order checker had reported, before anything blocked:\n" + inv.front();
  return text;
}

std::vector<CostFigure> HotplugScenario::measure_cost(const ScenarioConfig& cfg, const CostOptions& o) const {
  ScenarioConfig c = cfg;
  c.direction = Direction::enable;
  c.mode = Mode::stress;
  MachineConfig mc;
  mc.csd_timeout = std::chrono::milliseconds(c.timeout_ms);
  // Short sleeps must be short, as in a trial child (harness/src/trial.cpp):
  // the vCPUs and the world's threads inherit this thread's timer slack.
  const int slack = prctl(PR_GET_TIMERSLACK, 0UL, 0UL, 0UL, 0UL);
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  struct RestoreSlack {
    int ns;
    ~RestoreSlack() {
      if (ns > 0) prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(ns), 0UL, 0UL, 0UL);
    }
  } restore_slack{slack};
  Machine m(mc);
  const std::unique_ptr<TrialWorld> world = make_world(c);
  auto* hw = dynamic_cast<HotplugWorld*>(world.get());
  if (hw == nullptr) return {};
  // The vCPUs stop before the world goes, however this is left (they use its CpuHotplug).
  struct JoinFirst {
    Machine& m;
    ~JoinFirst() { m.join_all(); }
  } join_first{m};
  hw->start_other_vcpus(m);
  return hw->costs(std::max(1u, o.samples));
}

CostFigure time_us(const char* name, unsigned samples, const std::function<void()>& before,
                   const std::function<void()>& op) {
  std::vector<double> us;
  us.reserve(samples);
  for (unsigned i = 0; i < samples; ++i) {
    before();
    const std::int64_t t0 = now_ns();
    op();
    us.push_back(static_cast<double>(now_ns() - t0) / 1000.0);
  }
  std::sort(us.begin(), us.end());
  const std::size_t n = us.size();
  CostFigure f{name, "us", {}, us.front(), us.back(), samples, {}};
  f.median = n % 2 == 1 ? us[n / 2] : (us[n / 2 - 1] + us[n / 2]) / 2;
  return f;
}

CostFigure not_measured(const char* name, const char* why) { return {name, "us", {}, {}, {}, 0, why}; }

HotplugWorld::HotplugWorld(const ScenarioConfig& cfg)
    : enable_(cfg.direction == Direction::enable),
      deterministic_(cfg.mode == Mode::deterministic),
      ncpus_(static_cast<unsigned>(cfg.param("cpus"))),
      timeout_ms_(cfg.timeout_ms),
      dep_(LockDep::Config{std::chrono::milliseconds(cfg.timeout_ms), false}),
      rng_(cfg.seed) {
  // The test seam LockDep::stall_before_taking: POKEBENCH_TEST_LOCK_STALL
  // names the thread that stalls 10 ms before each lock, e.g. "hotplug control".
  if (const char* name = std::getenv("POKEBENCH_TEST_LOCK_STALL"))
    dep_.stall_before_taking(name, std::chrono::milliseconds(10));
  dep_.on_deadlock = [this](const std::string& r) {
    if (report_hang) report_hang(deadlock_report(dep_, hp_.get(), timeout_ms_, r));
  };
}

void HotplugWorld::start_other_vcpus(Machine& m) {
  const std::uint64_t all = (std::uint64_t{1} << ncpus_) - 1;
  hp_ = std::make_unique<CpuHotplug>(m, dep_, ncpus_, enable_ ? all & ~(std::uint64_t{1} << kTarget) : all);
  started();
}

HotplugWorld::Op::Op(HotplugWorld& w, std::int64_t max_delay_ns, std::function<void()> then) : dep_(w.dep_) {
  std::uniform_int_distribution<std::int64_t> delay(0, max_delay_ns);
  const std::int64_t wait_ns = w.deterministic_ ? 0 : delay(w.rng_);
  t_ = std::thread([this, &w, wait_ns, then = std::move(then)] {
    LockDep::name_thread("hotplug control");
    if (w.deterministic_)
      while (!go_.load()) cpu_relax();
    else
      spin_for_ns(wait_ns);
    if (w.enable_)
      w.hp_->cpu_up(kTarget);
    else
      w.hp_->cpu_down(kTarget);
    if (then) then();
    done_.store(true);
  });
}

void HotplugWorld::Op::run_until_done_or_blocked(std::initializer_list<const LockBase*> locks) {
  go();
  auto blocked = [&] {
    for (const LockBase* l : locks)
      if (dep_.has_waiter(*l)) return true;
    return false;
  };
  while (!done() && !blocked()) cpu_relax();
}

}  // namespace pokebench::harness::detail
