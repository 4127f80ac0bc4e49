// get_any_partial() and its siblings (mm/slub.c, mm/slab.c, mm/hugetlb.c,
// mm/page_alloc.c all loop on read_mems_allowed_begin/retry), the
// set_mems_allowed() writer, the strategy table and the slub Scenario.
#include "slub.hpp"

#include "periodic.hpp"

#include <pokebench/harness/vcpu.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pokebench::harness::slub {
namespace {

namespace pp = pokebench::patcher;

// The instrumentation the harness plugs into the reader loop (cpuset.hpp's
// Probe policy): loop position for the hang report, and the hold handshake.
struct HarnessProbe {
  ReaderSlot* slot;
  ReaderCounts* counts;
  std::uint64_t iter = 0;
  bool begin_read = false;  // last begin() read the sequence
  bool checked = false;     // last retry() validated that sequence

  [[gnu::always_inline]] void on_begin(bool read_seq, unsigned value) noexcept {
    ++iter;
    begin_read = read_seq;
    slot->loop_iter.store(iter, std::memory_order_relaxed);
    counts->cookie.store(value, std::memory_order_relaxed);
    // Acknowledge a pending hold even in a loop that never terminates: the
    // kernel's patcher would go on writing while a CPU spins, so ours must too.
    ack_hold(*slot);
  }
  [[gnu::always_inline]] void on_retry(bool did_check, bool) noexcept { checked = begin_read && did_check; }
};

// Walk the zonelist: look at each node word of mems_allowed (the "try each
// allowed node's partial list" part), with some work per node.
[[gnu::always_inline]] inline void walk_zonelist(World& w, ReaderSlot& r, std::uint64_t (&snap)[kNodemaskWords]) {
  r.cpu->progress.fetch_add(1, std::memory_order_relaxed);
  const unsigned per_word = w.work_per_loop / kNodemaskWords;
  for (int i = 0; i < kNodemaskWords; ++i) {
    // Relaxed: ordered by the seqcount's fences (seqcount.hpp).
    snap[i] = w.mems_allowed.bits[i].load(std::memory_order_relaxed);
    for (unsigned k = 0; k < per_word; ++k) cpu_relax();
  }
}

// The loop and its oracles. always_inline: every caller below owns a copy of
// the begin and retry sites.
template <class S>
[[gnu::always_inline]] inline void mems_allowed_reader(World& w, ReaderSlot& r, const char* fn) {
  ReaderCounts& c = *w.counts[r.index];
  HarnessProbe probe{&r, &c};
  std::uint64_t snap[kNodemaskWords];
  const unsigned seq0 = raw_read_seqcount(&w.mems_allowed_seq);
  r.fn.store(fn, std::memory_order_relaxed);
  cpuset::mems_allowed_loop<S>(&w.mems_allowed_seq, probe, [&] { walk_zonelist(w, r, snap); });
  r.fn.store(nullptr, std::memory_order_relaxed);

  const bool agree = nodemask_consistent(snap);
  auto bump = [](std::atomic<std::uint64_t>& n) {
    n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  };
  bump(c.loops);
  if (probe.checked) {
    bump(c.checked);
    if (!agree) bump(c.torn);  // a validated sequence, yet inconsistent data
  } else {
    bump(c.unchecked);
    const unsigned seq1 = raw_read_seqcount(&w.mems_allowed_seq);
    if (!agree || seq1 != seq0 || (seq0 & 1u)) bump(c.unchecked_inflight);
  }
  if (probe.iter - 1 > c.max_retries.load(std::memory_order_relaxed))
    c.max_retries.store(probe.iter - 1, std::memory_order_relaxed);
}

// The callers. noinline: each is one function with its own sites, as the
// kernel's are; the function's name is what a hang report's trace shows.
#define POKEBENCH_MEMS_ALLOWED_CALLER_(fn, kernel_name) \
  template <class S>                                    \
  [[gnu::noinline]] void fn(World& w, ReaderSlot& r) {  \
    mems_allowed_reader<S>(w, r, kernel_name);          \
  }
POKEBENCH_MEMS_ALLOWED_CALLER_(get_any_partial, "get_any_partial")
POKEBENCH_MEMS_ALLOWED_CALLER_(fallback_alloc, "fallback_alloc")
POKEBENCH_MEMS_ALLOWED_CALLER_(dequeue_huge_page_vma, "dequeue_huge_page_vma")
POKEBENCH_MEMS_ALLOWED_CALLER_(alloc_pages_slowpath, "__alloc_pages_slowpath")
#undef POKEBENCH_MEMS_ALLOWED_CALLER_

template <class S>
void pass(World& w, ReaderSlot& r) {
  get_any_partial<S>(w, r);
  fallback_alloc<S>(w, r);
  dequeue_huge_page_vma<S>(w, r);
  alloc_pages_slowpath<S>(w, r);
}

// What the scenario needs of one strategy, generated from its type.
struct Entry {
  StrategyInfo info;
  void (*pass)(World&, ReaderSlot&);
  void (*inc)(const pp::Config&);
  void (*dec)(const pp::Config&);
  std::vector<NamedKey> (*keys)();
  std::vector<NamedFunction> (*functions)();
};

template <class S>
std::vector<NamedFunction> functions_of() {
  return {{reinterpret_cast<const void*>(&get_any_partial<S>), "get_any_partial"},
          {reinterpret_cast<const void*>(&fallback_alloc<S>), "fallback_alloc"},
          {reinterpret_cast<const void*>(&dequeue_huge_page_vma<S>), "dequeue_huge_page_vma"},
          {reinterpret_cast<const void*>(&alloc_pages_slowpath<S>), "__alloc_pages_slowpath"}};
}

template <class S>
Entry entry(const char* help, bool negative_control = false) {
  return {{S::name, help, S::is_fix, S::apply, negative_control},
          &pass<S>,
          &S::cpuset_inc,
          &S::cpuset_dec,
          &S::keys,
          &functions_of<S>};
}

// The one table of the slub scenario's strategies.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> all{
      entry<cpuset::PerSite<>>("v4.4..v4.12 cpuset.h: one key, patched site by site (the 2017 bug)"),
      entry<cpuset::Batched<>>("the same code, patched as v5.3 batches (a fix while one batch holds every site)"),
      entry<cpuset::Ordered<>>("89affbf5d9eb (v4.13, merged): begin tests pre_enable, retry tests enabled"),
      entry<cpuset::Cached<>>("Zavin's RFC v2: the cookie caches whether the key was enabled"),
      entry<cpuset::Cookie<>>("Babka's fix: begin returns -1 when disabled, retry ignores -1"),
      entry<cpuset::BrokenSeqcount<>>("negative control: begin does not wait for an even sequence", true),
  };
  return all;
}

const std::vector<StrategyInfo>& infos() {
  static const std::vector<StrategyInfo> all = [] {
    std::vector<StrategyInfo> v;
    for (const Entry& e : entries()) v.push_back(e.info);
    return v;
  }();
  return all;
}

const Entry& entry_of(const std::string& name) {
  for (const Entry& e : entries())
    if (name == e.info.name) return e;
  throw std::invalid_argument("slub: no strategy " + name);
}

constexpr ParamInfo kParams[] = {
    {"initial-seq", "mems_allowed_seq at start (even; nonzero as after boot)", 2, 0, 0xfffffffe},
    {"writer-period-us", "set_mems_allowed() period, 0: no writer", 1000, 0, 60'000'000},
    {"work-per-loop", "pause iterations in one zonelist walk", 64, 0, 1'000'000},
};

void writer_main(World& w, std::uint64_t period_us) {
  std::uint64_t value = w.mems_allowed.bits[0].load(std::memory_order_relaxed);
  // cpuset_change_task_nodemask() -> set_mems_allowed()
  detail::run_every(period_us, [&] { set_mems_allowed(w, ++value, w.work_per_loop); });
}

class SlubWorld final : public TrialWorld {
 public:
  SlubWorld(const ScenarioConfig& cfg, const Entry& e) : e_(e), writer_period_us_(cfg.param("writer-period-us")) {
    w_.work_per_loop = static_cast<unsigned>(cfg.param("work-per-loop"));
    seqcount_set(&w_.mems_allowed_seq, static_cast<unsigned>(cfg.param("initial-seq")));
    for (unsigned i = 0; i < cfg.readers; ++i) w_.counts.push_back(std::make_unique<ReaderCounts>());
  }
  std::vector<NamedKey> keys() const override { return e_.keys(); }
  void toggle(bool enable, const pp::Config& policy) override { enable ? e_.inc(policy) : e_.dec(policy); }
  void reader_pass(ReaderSlot& r) override { e_.pass(w_, r); }
  void start_other_vcpus(Machine& m) override {
    if (writer_period_us_ > 0) m.start_vcpu("writer", [this](Vcpu&) { writer_main(w_, writer_period_us_); });
  }
  void collect(Oracles& o) const override {
    for (const auto& c : w_.counts) {
      o.torn_reads += c->torn.load(std::memory_order_relaxed);
      o.checked_exits += c->checked.load(std::memory_order_relaxed);
      o.unchecked_exits += c->unchecked.load(std::memory_order_relaxed);
      o.unchecked_inflight += c->unchecked_inflight.load(std::memory_order_relaxed);
      o.max_retries = std::max(o.max_retries, c->max_retries.load(std::memory_order_relaxed));
      o.reader_loops += c->loops.load(std::memory_order_relaxed);
    }
    o.writes = w_.writes.load(std::memory_order_relaxed);
  }
  std::vector<NamedFunction> functions() const override { return e_.functions(); }
  std::string describe_reader(const ReaderSlot& r) const override {
    const char* fn = r.fn.load(std::memory_order_relaxed);
    const unsigned seq = seqcount_value(&w_.mems_allowed_seq);
    if (fn == nullptr) return fmt::format("      not in a begin/retry loop; mems_allowed_seq {:#x}\n", seq);
    return fmt::format("      in {}<{}>: begin/retry loop iteration {}, cookie {:#x}, mems_allowed_seq now {:#x}\n", fn,
                       e_.info.name, r.loop_iter.load(std::memory_order_relaxed),
                       w_.counts[r.index]->cookie.load(std::memory_order_relaxed), seq);
  }

 private:
  const Entry& e_;
  std::uint64_t writer_period_us_;
  World w_;
};

class SlubScenario final : public Scenario {
 public:
  const char* name() const override { return "slub"; }
  const char* summary() const override {
    return "the 2017 slub/cpuset hang: get_any_partial() spins with IRQs masked while cpusets_enabled_key is "
           "patched site by site";
  }
  std::span<const StrategyInfo> strategies() const override { return infos(); }
  std::span<const ParamInfo> params() const override { return kParams; }
  std::vector<std::string> site_tags() const override { return {"begin", "retry"}; }
  std::optional<Cell> known_bug() const override {
    return Cell{"per-site", Direction::enable, tag_first("retry"), pp::Int3Policy::skip};
  }
  // Five times the default writer rate: more writes inside the readers' loops.
  std::map<std::string, std::uint64_t> torture_params() const override { return {{"writer-period-us", 200}}; }
  unsigned other_vcpus(const ScenarioConfig& c) const override { return c.param("writer-period-us") > 0 ? 1 : 0; }
  std::string validate(const ScenarioConfig& c) const override {
    if (const std::uint64_t seq = c.param("initial-seq"); seq & 1u)
      return fmt::format(
          "--initial-seq {} is odd, which means a write is in progress: every reader would spin in "
          "read_seqcount_begin forever; use an even value (a booted kernel's is nonzero and even)",
          seq);
    return {};
  }
  std::unique_ptr<TrialWorld> make_world(const ScenarioConfig& c) const override {
    return std::make_unique<SlubWorld>(c, entry_of(c.strategy));
  }
};

}  // namespace

const Scenario& scenario() {
  static const SlubScenario s;
  return s;
}

void set_mems_allowed(World& w, std::uint64_t value, unsigned work) {
  harness::set_mems_allowed(&w.mems_allowed_seq, &w.mems_allowed, value, work);
  w.writes.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace pokebench::harness::slub
