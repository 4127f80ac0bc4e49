// Exhaustive search of a Model: breadth first over canonical states (state
// hashing; identical readers are interchangeable, so states that differ only
// in which reader is which are one state), checking safety in every state
// and transition and liveness as a fair-cycle condition (search.cpp).
#pragma once

#include <pokebench/explore/model.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pokebench::explore {

enum class Verdict {
  ok,          // every reachable state explored, no counterexample: a proof for this configuration
  hang,        // a reachable fair cycle in which a sync waits forever
  unsafe,      // a torn checked read, a mixed instruction, count and sites disagreeing, ...
  incomplete,  // the state limit was reached first: NOT a proof
};
inline constexpr std::pair<Verdict, const char*> kVerdictNames[] = {
    {Verdict::ok, "OK"}, {Verdict::hang, "HANG"}, {Verdict::unsafe, "UNSAFE"}, {Verdict::incomplete, "INCOMPLETE"}};
const char* to_string(Verdict) noexcept;

// A path from the initial state, in the hang report's words.
struct Counterexample {
  std::string kind;                // "hang", "torn read", "mixed instruction", ...
  std::string summary;             // one line: who is stuck where, or what broke
  std::vector<std::string> steps;  // "reader0: begin: executes ... = NOP; cookie 0"
  std::vector<std::string> loop;   // hang: the stuck reader's steps that repeat forever
  // Hang: the schedule the real harness replays (explore/README.md,
  // "Replay"). The first stuck reader, and how many protocol writes
  // (text_poke_bp's int3, tail and head stores) were done before it turned
  // IRQs off for the last time: it stays in that section from the next one on.
  unsigned stuck_reader = 0;
  std::uint64_t writes_before_irqoff = 0;
  std::uint64_t writes = 0;  // protocol writes done in the whole trace
};

struct Limits {
  std::uint64_t max_states = 2'000'000;
  std::size_t max_counterexamples = 3;  // stop after this many (shortest first)
};

struct Result {
  Verdict verdict = Verdict::ok;
  std::uint64_t states = 0;       // canonical states stored
  std::uint64_t transitions = 0;  // transitions taken
  std::uint64_t depth = 0;        // deepest breadth-first level reached
  double seconds = 0;
  bool limit_reached = false;
  std::vector<Counterexample> counterexamples;  // shortest first
};

// Called every 2^16 states with the states so far (progress).
using Progress = std::function<void(std::uint64_t states)>;

Result explore(const Model& m, const Limits& limits = {}, const Progress& progress = {});

// A rough upper bound on the canonical states of a configuration, for
// refusing one that cannot finish: the one-reader configuration is explored
// (within `limits`) and its count raised to the readers (search.cpp).
double estimate_states(const ModelConfig& c, const Limits& limits);

}  // namespace pokebench::explore
