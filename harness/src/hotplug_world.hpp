// What the hotplug scenarios' worlds share (cpu_notifier.cpp, mem_hotplug.cpp):
// a busy wait standing for a callback's work, the record of the first
// violation of a scenario's oracle, and the hang report of a deadlock their
// LockDep watchdog found.
#pragma once

#include <pokebench/harness/hotplug.hpp>
#include <pokebench/harness/lockdep.hpp>
#include <pokebench/harness/oracles.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace pokebench::harness::detail {

// Spins for `ns` (work that occupies its CPU, as an init or a zonelist rebuild does).
void spin_for_ns(std::int64_t ns);

// The oracle's failures: counted, the first one described and timed.
class ViolationLog {
 public:
  // Counts one violation; `describe` is called only for the first.
  void record(const std::function<std::string()>& describe);
  // Copies the counts, the first description and the checker's first
  // inversion report into `o`.
  void collect(Oracles& o, const LockDep& dep) const;

 private:
  mutable std::mutex m_;
  std::uint64_t violations_ = 0;
  std::int64_t first_ns_ = 0;
  std::string first_;
};

// The hang report of a deadlock: the watchdog's cycle `cycle`, every emulated
// lock held or waited for, the CPUs (if `hp`), and the inversion the checker
// had reported before anything blocked.
std::string deadlock_report(const LockDep& dep, const CpuHotplug* hp, unsigned timeout_ms, const std::string& cycle);

}  // namespace pokebench::harness::detail
