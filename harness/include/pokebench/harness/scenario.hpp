// The Scenario seam: the one interface a scenario implements, in the spirit
// of rcutorture's struct rcu_torture_ops. A scenario names its strategies
// (each with its traits: the only place they live), its parameters (name,
// default, range, help), the site tags its patch orders may use, and the cell
// of the matrix that must hang (its known bug). In each trial child it builds
// a TrialWorld: the readers' passes, the other vCPUs (writers), the toggler
// and the oracles. The supervisor, deterministic and stress modes, torture,
// the hang report and compare run any scenario through this; nothing else
// knows a strategy's name. See docs/ARCHITECTURE.md.
#pragma once

#include <pokebench/harness/config.hpp>
#include <pokebench/harness/oracles.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pokebench::harness {

class Machine;
class Vcpu;
namespace detail {
struct Holds;  // harness/src/hold.hpp
}

// A static key as a report names it.
struct NamedKey {
  const static_key* key = nullptr;
  const char* name = "";
};

// A function whose code holds sites, for naming them in reports: its entry
// address and its name.
struct NamedFunction {
  const void* entry = nullptr;
  const char* name = "";
};

struct StrategyInfo {
  const char* name = "";
  const char* help = "";
  bool is_fix = false;                                      // must never hang nor tear, in any cell
  patcher::ApplyMode apply = patcher::ApplyMode::per_site;  // how its toggler patches
  bool negative_control = false;  // deliberately broken, for tests: not listed, not in torture
};

struct ParamInfo {
  const char* name = "";  // the CLI option without "--"
  const char* help = "";
  std::uint64_t default_value = 0;
  std::uint64_t min = 0, max = 0;  // inclusive
};

// One cell of the matrix (what the torture matrix iterates).
struct Cell {
  std::string strategy;
  Direction direction = Direction::enable;
  PatchOrder order;
  patcher::Int3Policy int3 = patcher::Int3Policy::skip;
};

// What the generic runner keeps of one reader vCPU; the scenario's passes
// update `fn` and `loop_iter` and call ack_hold() at each loop entry.
struct ReaderSlot {
  unsigned index = 0;
  Vcpu* cpu = nullptr;
  std::atomic<const char*> fn{nullptr};     // function inside its loop, nullptr outside
  std::atomic<std::uint64_t> loop_iter{0};  // loop entries of the current loop
  // Deterministic holds and parking (harness/src/hold.hpp).
  std::atomic<bool> in_det_section{false};
  std::atomic<std::uint64_t> hold_ack{0};
  std::atomic<bool> parked{false};
  detail::Holds* holds = nullptr;
};

// Acknowledges the patcher's pending hold from inside a loop (the
// deterministic mode's handshake; a no-op outside a deterministic section).
// Works in a loop that never terminates. Defined in hold.cpp.
void ack_hold(ReaderSlot&) noexcept;

// A scenario's state in one trial child.
class TrialWorld {
 public:
  virtual ~TrialWorld() = default;
  // The keys the strategy's toggler changes, in the order it changes them.
  virtual std::vector<NamedKey> keys() const = 0;
  // The transition: cpuset_inc (enable) or cpuset_dec, patched with `policy`.
  virtual void toggle(bool enable, const patcher::Config& policy) = 0;
  // One pass of reader `r` inside an IRQ-off section (every reader function
  // once); runs on that reader's vCPU.
  virtual void reader_pass(ReaderSlot& r) = 0;
  // Starts the vCPUs other than the readers (writers), after the readers.
  virtual void start_other_vcpus(Machine& m) = 0;
  // Adds this world's oracle counts.
  virtual void collect(Oracles& o) const = 0;
  // The reader functions, for naming sites.
  virtual std::vector<NamedFunction> functions() const = 0;
  // Hang report lines for reader `r` (each "      ...\n").
  virtual std::string describe_reader(const ReaderSlot& r) const = 0;

  // Set by the trial child before start_other_vcpus: a world that detects a
  // hang itself (its lock watchdog found a deadlock) hands the report here;
  // the trial then ends as HANG with that report.
  std::function<void(const std::string& report)> report_hang;
};

// One figure of what a strategy costs on an operation it changes (see
// Scenario::measure_cost): the wall time of that operation, run on the
// emulated machine `samples` times in the calling process.
struct CostFigure {
  std::string name;                        // "cpu_up latency"
  std::string unit;                        // "us"
  std::optional<double> median, min, max;  // over the samples; nullopt: not measured (`why` says)
  unsigned samples = 0;
  std::string why;  // why it was not measured ("" when it was)
};

struct CostOptions {
  unsigned samples = 101;  // timed runs of each operation
};

class Scenario {
 public:
  virtual ~Scenario() = default;
  virtual const char* name() const = 0;
  virtual const char* summary() const = 0;
  // Every strategy, fixes and bugs, negative controls last.
  virtual std::span<const StrategyInfo> strategies() const = 0;
  virtual std::span<const ParamInfo> params() const = 0;
  // The tags its sites carry: "<tag>-first" is an order of this scenario.
  virtual std::vector<std::string> site_tags() const = 0;
  // The cell that must hang or fail (torture fails if it does not: the harness would
  // not see the bug), if the scenario has a known bug.
  virtual std::optional<Cell> known_bug() const = 0;
  // False for a scenario whose transition is no key change (a hotplug race):
  // no reader vCPUs are started, --order, --int3 and --batch-size do not
  // apply (not validated, one cell each in torture), keys() may be empty.
  virtual bool patches_code() const { return true; }
  // vCPUs besides the readers that a run starts (the writer, ...).
  virtual unsigned other_vcpus(const ScenarioConfig&) const = 0;
  // Parameter values the torture matrix uses where the user set none (e.g. a
  // busier writer than a single repro needs).
  virtual std::map<std::string, std::uint64_t> torture_params() const { return {}; }
  // Scenario-specific checks of a configuration ("" when fine).
  virtual std::string validate(const ScenarioConfig&) const { return {}; }
  // Builds the world of one trial child (called in the child).
  virtual std::unique_ptr<TrialWorld> make_world(const ScenarioConfig&) const = 0;
  // The cost seam (compare's cost phase for every scenario but slub, whose
  // costs are the loop/* and patch/* benchmarks): for the strategy
  // `cfg.strategy`, the figures of what it costs on the operations it
  // changes, measured by running them for real, one at a time, in this
  // process (it starts threads: call it after any fork). The same names for
  // every strategy of a scenario, so compare lines them up; a figure a
  // strategy cannot give (its operation deadlocks) has no median and says
  // why. Default: none (a scenario without cost figures).
  virtual std::vector<CostFigure> measure_cost(const ScenarioConfig& cfg, const CostOptions& o) const {
    (void)cfg;
    (void)o;
    return {};
  }

  const StrategyInfo* find_strategy(std::string_view name) const;
  const ParamInfo* find_param(std::string_view name) const;
  // The strategies a user may pick (not the negative controls).
  std::vector<const StrategyInfo*> listed_strategies() const;
  // table, address, reverse, <tag>-first for each site tag, random.
  std::vector<PatchOrder> orders() const;
};

// Every registered scenario, in registration order (slub first).
std::span<const Scenario* const> scenarios();
const Scenario* find_scenario(std::string_view name);
// The scenario of a configuration; throws std::invalid_argument naming the
// known ones if there is none of that name.
const Scenario& scenario_of(const ScenarioConfig&);
// Adds a scenario (a user's own); names must be unique. Call before any run.
void register_scenario(const Scenario& s);
// Loads a shared library of scenarios declared in kernel C
// (pokebench/kernel/scenario.h, built with pokebench_add_scenario()); they
// are listed from then on. Returns what went wrong and how to fix it, or "".
std::string load_scenarios(const std::string& path);

}  // namespace pokebench::harness
