// What a trial checks. Each "must be zero" oracle is zero on success and has a
// negative control in harness/tests that makes it fire.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace pokebench::harness {

struct Oracles {
  // Must be zero.
  std::uint64_t hangs = 0;              // a sync not acknowledged within the timeout
  std::uint64_t torn_reads = 0;         // checked exit (begin's sequence validated by
                                        // retry) holding a nodemask whose words disagree
  std::uint64_t stray_sigtraps = 0;     // SIGTRAPs the patcher did not recognise
  std::uint64_t violations = 0;         // a scenario's own invariant broke (a CPU left
                                        // uninitialised, a mask that reached a worker empty)
  std::uint64_t lock_inversions = 0;    // the lock-order checker saw a cycle
  std::int64_t first_violation_ns = 0;  // CLOCK_MONOTONIC of the first violation, 0 if none
  char violation[240] = {};             // what the first violation was
  char inversion[1024] = {};            // the lock-order checker's first report (truncated)
  // Counted and reported, not failures.
  std::uint64_t checked_exits = 0;
  std::uint64_t unchecked_exits = 0;     // left the loop without a seqcount check
  std::uint64_t unchecked_inflight = 0;  // ... while a write was in flight (the
                                         // kernel accepts this when a key says disabled)
  std::uint64_t max_retries = 0;         // most consecutive retries of one loop
  std::uint64_t int3_hits = 0;           // traps on the patcher's int3s
  std::uint64_t reader_loops = 0;        // completed begin/retry loops
  std::uint64_t writes = 0;              // set_mems_allowed updates
  std::uint64_t transitions = 0;         // transitions under test that completed (key
                                         // changes, or a scenario's hotplug races)
  std::uint64_t syncs = 0;               // patcher syncs (membarrier + on_each_cpu)
  // A scenario's windows of inconsistency: an operation said done, its
  // oracle failed, and the state caught up later (count, total and longest).
  std::uint64_t windows = 0;
  std::uint64_t window_ns_total = 0;
  std::uint64_t window_ns_max = 0;

  // Adds a run's counts to these (the kinds of kOracleCounters); keeps
  // the earliest violation and the first inversion.
  void merge(const Oracles& o) noexcept;
};

// The counters of Oracles by their name in a result document, and how two
// runs' counts combine: the one list that merge() and the JSON walk. (hangs
// is not here: a result reports its hung trials itself.)
struct OracleCounter {
  const char* name;
  std::uint64_t Oracles::*field;
  bool is_max;  // the larger of the two, else their sum
};
inline constexpr OracleCounter kOracleCounters[] = {
    {"torn_reads", &Oracles::torn_reads, false},
    {"unchecked_inflight", &Oracles::unchecked_inflight, false},
    {"unchecked_exits", &Oracles::unchecked_exits, false},
    {"checked_exits", &Oracles::checked_exits, false},
    {"max_retries", &Oracles::max_retries, true},
    {"int3_hits", &Oracles::int3_hits, false},
    {"stray_sigtraps", &Oracles::stray_sigtraps, false},
    {"violations", &Oracles::violations, false},
    {"lock_inversions", &Oracles::lock_inversions, false},
    {"reader_loops", &Oracles::reader_loops, false},
    {"writes", &Oracles::writes, false},
    {"transitions", &Oracles::transitions, false},
    {"syncs", &Oracles::syncs, false},
    {"windows", &Oracles::windows, false},
    {"window_ns_total", &Oracles::window_ns_total, false},
    {"window_ns_max", &Oracles::window_ns_max, true},
};

inline void Oracles::merge(const Oracles& o) noexcept {
  hangs += o.hangs;
  for (const OracleCounter& c : kOracleCounters)
    this->*c.field = c.is_max ? std::max(this->*c.field, o.*c.field) : this->*c.field + o.*c.field;
  if (o.first_violation_ns != 0 && (first_violation_ns == 0 || o.first_violation_ns < first_violation_ns)) {
    first_violation_ns = o.first_violation_ns;
    std::memcpy(violation, o.violation, sizeof violation);
  }
  if (inversion[0] == 0) std::memcpy(inversion, o.inversion, sizeof inversion);
}

}  // namespace pokebench::harness
