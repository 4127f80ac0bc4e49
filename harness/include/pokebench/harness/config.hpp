// What one scenario run is: the scenario, its strategy, the transition under
// test, the patching protocol, the mode and the scenario's own parameters.
// Every layer reads this one struct (the CLI binds its options onto it); its
// field list (config_fields) is the one source of the configuration echo,
// the JSON and the verdict line.
#pragma once

#include <pokebench/patcher/patcher.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pokebench::harness {

enum class Mode { deterministic, stress };
enum class Direction { enable, disable };

// One name table per enum: parse, to_string and the CLI's choices read it.
inline constexpr std::pair<Mode, const char*> kModeNames[] = {{Mode::deterministic, "deterministic"},
                                                              {Mode::stress, "stress"}};
inline constexpr std::pair<Direction, const char*> kDirectionNames[] = {{Direction::enable, "enable"},
                                                                        {Direction::disable, "disable"}};

inline const char* to_string(Mode m) noexcept { return patcher::name_of(kModeNames, m); }
inline const char* to_string(Direction d) noexcept { return patcher::name_of(kDirectionNames, d); }

// The order a key's sites are rewritten in: one of the patcher's orders, or
// "<tag>-first" (patcher::Order::tag_first) for a tag the scenario's sites
// carry ("begin-first", "retry-first" in slub).
struct PatchOrder {
  patcher::Order order = patcher::Order::table;
  std::string first_tag;  // tag_first only
  friend bool operator==(const PatchOrder&, const PatchOrder&) = default;
};
std::string to_string(const PatchOrder&);
// "table", "address", "reverse", "random" or "<tag>-first" (any tag; the
// scenario's validate() checks the tag exists).
std::optional<PatchOrder> parse_patch_order(std::string_view);
inline PatchOrder tag_first(std::string tag) { return {patcher::Order::tag_first, std::move(tag)}; }

struct ScenarioConfig {
  std::string scenario = "slub";
  std::string strategy = "per-site";
  Direction direction = Direction::enable;
  PatchOrder order = tag_first("retry");
  patcher::Int3Policy int3 = patcher::Int3Policy::skip;
  std::size_t batch_size = 256;  // batched strategies only; 256 covers every site of a key
  patcher::Backend backend = patcher::Backend::procmem;
  Mode mode = Mode::deterministic;
  std::uint64_t trials = 1;  // deterministic: forked trials; stress: transitions (0: until --duration)
  double duration_s = 0;     // stress: stop after this long (0: trials only)
  unsigned readers = 1;
  unsigned irqoff_loops = 3;   // passes per IRQ-off section (deterministic: after each write)
  unsigned timeout_ms = 1000;  // CSD-lock watchdog
  std::uint64_t seed = 1;      // Order::random
  // The scenario's own parameters by name (see Scenario::params()); a
  // parameter left out takes its default.
  std::map<std::string, std::uint64_t> params;
  // Negative control: an extra vCPU masks IRQs and spins forever outside any
  // loop, so no sync is ever acknowledged.
  bool inject_stuck_vcpu = false;
  // Deterministic: a forced schedule (a counterexample replayed, explore/
  // README.md). The readers stay parked, IRQs on and outside any loop, for
  // the protocol writes before this one (1-based), and are held inside an
  // IRQ-off section from it on. 1: held across every write (the default).
  std::uint64_t hold_from_write = 1;
  // Stress: end the run at the first hang instead of forking a fresh child
  // for the rest of the budget (the torture matrix only needs to see one).
  bool stop_at_first_hang = false;

  // The value of the scenario parameter `name`, its default when not set.
  std::uint64_t param(std::string_view name) const;
};

// Fills what the user left to the mode: deterministic runs 1 trial, stress
// runs 10 s when neither --trials nor --duration was given.
void resolve_mode_defaults(ScenarioConfig&, bool trials_given, bool duration_given);

// The configuration as an ordered list of (name, value), names as the CLI
// spells them ("batch-size"); describe() and the JSON come from it.
nlohmann::ordered_json config_fields(const ScenarioConfig&);
// rcutorture-style one-line configuration dump: "scenario=slub strategy=...".
std::string describe(const ScenarioConfig&);
// The configuration as JSON (names with '_' for '-').
nlohmann::ordered_json config_json(const ScenarioConfig&);

// Checks a configuration against its scenario; returns what is wrong and how
// to fix it, or "".
std::string validate(const ScenarioConfig&);

}  // namespace pokebench::harness
