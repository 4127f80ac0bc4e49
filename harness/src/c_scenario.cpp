// Scenarios written as kernel C (pokebench/kernel/scenario.h) behind the
// Scenario seam: each registered struct pokebench_scenario becomes a Scenario
// with two strategies (the same code patched per site or batched), the
// writer-period-us parameter, the C readers as the readers' pass, the C
// writer on a writer vCPU and the C toggler bound to the trial's policy.
#include "c_scenario.hpp"

#include "periodic.hpp"

#include <pokebench/kernel/reader_hook.h>
#include <pokebench/kernel/scenario.h>
#include <pokebench/harness/vcpu.hpp>
#include <pokebench/support/diagnostics.hpp>

#include <dlfcn.h>
#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <stdexcept>

namespace pokebench::harness {
namespace {

namespace pp = pokebench::patcher;

constexpr ParamInfo kParams[] = {
    {"writer-period-us", "the scenario's writer runs every this many us, 0: no writer", 1000, 0, 60'000'000},
};

// The lists end at their first empty entry (the rest of the array is zero).
std::size_t reader_count(const pokebench_scenario& d) {
  std::size_t n = 0;
  while (n < POKEBENCH_SCENARIO_MAX && d.readers[n].fn != nullptr) ++n;
  return n;
}
std::size_t key_count(const pokebench_scenario& d) {
  std::size_t n = 0;
  while (n < POKEBENCH_SCENARIO_MAX && d.keys[n].key != nullptr) ++n;
  return n;
}

std::string where(const pokebench_scenario& d) {
  return fmt::format("scenario '{}' ({}:{})", d.name ? d.name : "?", d.file ? d.file : "?", d.line);
}

// What is wrong with a declaration, and how to fix it ("" when fine). Keys
// are checked for sites here, at run time, once every library is loaded.
std::string check(const pokebench_scenario& d) {
  if (d.abi != POKEBENCH_SCENARIO_ABI)
    return fmt::format("{} was built against scenario ABI {}, this pokebench has {}; rebuild it against this pokebench",
                       where(d), d.abi, POKEBENCH_SCENARIO_ABI);
  if (reader_count(d) == 0)
    return fmt::format("{} has no reader; list its reader functions in .readers = {{ POKEBENCH_READER(fn), ... }}",
                       where(d));
  if (d.enable == nullptr || d.disable == nullptr)
    return fmt::format("{} has no toggler; set .enable and .disable to the functions that change its keys", where(d));
  if (key_count(d) == 0)
    return fmt::format("{} lists no key; name the keys its toggler changes in .keys = {{ POKEBENCH_KEY(key), ... }}",
                       where(d));
  for (std::size_t i = 0; i < key_count(d); ++i)
    if (pp::sites_of(d.keys[i].key).empty())
      return fmt::format(
          "{}: key {} has no static branch site in any loaded code; test it with "
          "static_branch_likely/unlikely() in a reader, or drop it from .keys",
          where(d), d.keys[i].name);
  return {};
}

class CWorld final : public TrialWorld {
 public:
  CWorld(const pokebench_scenario& d, const ScenarioConfig& cfg)
      : d_(d), writer_period_us_(d.writer != nullptr ? cfg.param("writer-period-us") : 0), loops_(cfg.readers) {
    if (d_.init != nullptr) d_.init();
  }

  std::vector<NamedKey> keys() const override {
    std::vector<NamedKey> out;
    for (std::size_t i = 0; i < key_count(d_); ++i) out.push_back({d_.keys[i].key, d_.keys[i].name});
    return out;
  }

  // The C toggler has no policy argument: bind the trial's around it. A key
  // it changes that .keys does not list is an error of the declaration.
  void toggle(bool enable, const pp::Config& policy) override {
    const static_key* stray = nullptr;
    pp::Config bound = policy;
    bound.observer = [&](const pp::PatchEvent& ev) {
      if (stray == nullptr && !declared(ev.key)) stray = ev.key;
      if (policy.observer) policy.observer(ev);
    };
    {
      const pp::ScopedPolicy scoped(bound);
      enable ? d_.enable() : d_.disable();
    }
    if (stray != nullptr) {
      const std::vector<pp::SiteInfo> sites = pp::sites_of(stray);
      throw std::runtime_error(fmt::format(
          "{}: its toggler changed a key that .keys does not list (at {}, sites in {}); add POKEBENCH_KEY(...) for "
          "it",
          where(d_), static_cast<const void*>(stray), sites.empty() ? std::string("?") : sites.front().symbol));
    }
  }

  void reader_pass(ReaderSlot& r) override {
    // Inside the readers' seqcount loops: the deterministic hold handshake.
    pokebench_set_thread_reader_hook([](void* slot) { ack_hold(*static_cast<ReaderSlot*>(slot)); }, &r);
    for (std::size_t i = 0; i < reader_count(d_); ++i) {
      r.fn.store(d_.readers[i].name, std::memory_order_relaxed);
      r.loop_iter.store(1, std::memory_order_relaxed);  // C readers do not count their iterations
      d_.readers[i].fn();
      r.fn.store(nullptr, std::memory_order_relaxed);
      // Written by this reader only, relaxed: a count read after the join.
      loops_[r.index].store(loops_[r.index].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      ack_hold(r);
    }
  }

  void start_other_vcpus(Machine& m) override {
    if (writer_period_us_ == 0) return;
    m.start_vcpu("writer", [this](Vcpu&) {
      detail::run_every(writer_period_us_, [this] {
        d_.writer();
        writes_.fetch_add(1, std::memory_order_relaxed);
      });
    });
  }

  void collect(Oracles& o) const override {
    o.torn_reads = pokebench_torn_reads();
    for (const auto& n : loops_) o.reader_loops += n.load(std::memory_order_relaxed);
    o.writes = writes_.load(std::memory_order_relaxed);
  }

  std::vector<NamedFunction> functions() const override {
    std::vector<NamedFunction> out;
    for (std::size_t i = 0; i < reader_count(d_); ++i)
      out.push_back({reinterpret_cast<const void*>(d_.readers[i].fn), d_.readers[i].name});
    return out;
  }

  std::string describe_reader(const ReaderSlot& r) const override {
    const char* fn = r.fn.load(std::memory_order_relaxed);
    if (fn == nullptr) return "      not in a reader function\n";
    return fmt::format("      in {}(), a reader of scenario {}\n", fn, d_.name);
  }

 private:
  bool declared(const static_key* k) const {
    for (std::size_t i = 0; i < key_count(d_); ++i)
      if (d_.keys[i].key == k) return true;
    return false;
  }

  const pokebench_scenario& d_;
  std::uint64_t writer_period_us_;
  std::vector<std::atomic<std::uint64_t>> loops_;
  std::atomic<std::uint64_t> writes_{0};
};

class CScenario final : public Scenario {
 public:
  explicit CScenario(const pokebench_scenario& d) : d_(d) {
    strategies_[0] = {"per-site", "the scenario's code, its keys patched site by site (v4.x text_poke_bp)",
                      d.per_site_is_fix != 0, pp::ApplyMode::per_site, false};
    strategies_[1] = {"batched", "the same code, each key patched as one batch (v5.3+)", d.batched_is_fix != 0,
                      pp::ApplyMode::batched, false};
    for (const char* t : d.site_tags)
      if (t != nullptr && *t != '\0') tags_.emplace_back(t);
  }
  const char* name() const override { return d_.name; }
  const char* summary() const override { return d_.summary != nullptr ? d_.summary : "(kernel C, no summary)"; }
  std::span<const StrategyInfo> strategies() const override { return strategies_; }
  std::span<const ParamInfo> params() const override { return kParams; }
  std::vector<std::string> site_tags() const override { return tags_; }
  std::optional<Cell> known_bug() const override {
    const pokebench_scenario_cell& b = d_.known_bug;
    if (b.strategy == nullptr) return std::nullopt;
    Cell c;
    c.strategy = b.strategy;
    if (b.direction != nullptr) c.direction = parse_direction(b.direction).value_or(Direction::enable);
    if (b.order != nullptr) c.order = parse_patch_order(b.order).value_or(tag_first("retry"));
    if (b.int3 != nullptr) c.int3 = pp::parse_int3_policy(b.int3).value_or(pp::Int3Policy::skip);
    return c;
  }
  unsigned other_vcpus(const ScenarioConfig& c) const override {
    return d_.writer != nullptr && c.param("writer-period-us") > 0 ? 1 : 0;
  }
  std::map<std::string, std::uint64_t> torture_params() const override { return {{"writer-period-us", 200}}; }
  std::string validate(const ScenarioConfig&) const override {
    if (std::string why = check(d_); !why.empty()) return why;
    return check_known_bug();
  }
  std::unique_ptr<TrialWorld> make_world(const ScenarioConfig& c) const override {
    return std::make_unique<CWorld>(d_, c);
  }

 private:
  static std::optional<Direction> parse_direction(std::string_view s) {
    for (const auto& [d, n] : kDirectionNames)
      if (s == n) return d;
    return std::nullopt;
  }
  std::string check_known_bug() const {
    const pokebench_scenario_cell& b = d_.known_bug;
    if (b.strategy == nullptr) return {};
    const std::string fix = "spell it as the CLI does: { \"per-site\", \"enable\", \"retry-first\", \"skip\" }";
    if (find_strategy(b.strategy) == nullptr)
      return fmt::format("{}: .known_bug strategy '{}' is not per-site or batched; {}", where(d_), b.strategy, fix);
    if (b.direction == nullptr || !parse_direction(b.direction))
      return fmt::format("{}: .known_bug direction '{}' is not enable or disable; {}", where(d_),
                         b.direction ? b.direction : "(none)", fix);
    if (b.order == nullptr || !parse_patch_order(b.order))
      return fmt::format("{}: .known_bug order '{}' is not an order; {}", where(d_), b.order ? b.order : "(none)", fix);
    if (b.int3 == nullptr || !pp::parse_int3_policy(b.int3))
      return fmt::format("{}: .known_bug int3 '{}' is not skip or emulate-new; {}", where(d_),
                         b.int3 ? b.int3 : "(none)", fix);
    return {};
  }

  const pokebench_scenario& d_;
  StrategyInfo strategies_[2];
  std::vector<std::string> tags_;
};

}  // namespace

namespace detail {

void adopt_c_scenarios(std::vector<const Scenario*>& registry) {
  // Called from scenarios() and find_scenario(), which the CLI and each
  // trial child call from one thread.
  static unsigned adopted = 0;
  for (const unsigned n = pokebench_scenario_count(); adopted < n; ++adopted) {
    const pokebench_scenario& d = *pokebench_scenario_at(adopted);
    if (d.name == nullptr || *d.name == '\0') {
      support::warning("{} has no .name and is not added; set .name = \"...\" (what --scenario takes)", where(d));
      continue;
    }
    bool taken = false;
    for (const Scenario* s : registry) taken = taken || std::string_view(s->name()) == d.name;
    if (taken) {
      support::warning("{} is not added: a scenario of that name exists already; rename it", where(d));
      continue;
    }
    registry.push_back(new CScenario(d));  // lives as long as the process, as the registry does
  }
}

}  // namespace detail

std::string load_scenarios(const std::string& path) {
  // dlopen looks a name without a slash up in the library path, not here.
  const std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  const unsigned before = pokebench_scenario_count();
  if (dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr)
    return fmt::format("--load {}: {}; give the path of a library built with pokebench_add_scenario()", path,
                       dlerror());
  if (pokebench_scenario_count() == before)
    return fmt::format("--load {}: it declares no new scenario (no POKEBENCH_SCENARIO in it, or loaded twice)", path);
  return {};
}

}  // namespace pokebench::harness
