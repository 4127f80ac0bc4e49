// What the hotplug scenarios' worlds share (see hotplug_world.hpp).
#include "hotplug_world.hpp"

#include <pokebench/harness/vcpu.hpp>

#include <fmt/format.h>

#include <cstdio>
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
  std::string text = fmt::format(
      "pokebench: hang report: deadlock: the lock watchdog found threads waiting for each other (for over {} "
      "ms)\n{}every emulated lock held or waited for:\n{}CPUs:\n{}",
      timeout_ms, cycle, dep.held_locks_report(), hp != nullptr ? hp->describe() : "");
  const std::vector<std::string> inv = dep.inversions();
  if (!inv.empty()) text += "the lock-order checker had reported, before anything blocked:\n" + inv.front();
  return text;
}

}  // namespace pokebench::harness::detail
