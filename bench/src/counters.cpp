#include <pokebench/bench/counters.hpp>
#include <pokebench/bench/tsc.hpp>
#include <pokebench/support/diagnostics.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <papi.h>
#include <pthread.h>

#include <algorithm>
#include <mutex>

namespace pokebench::bench {
namespace {

struct Wanted {
  const char* papi;
  const char* counter;
};
// Hardware first (absent without a PMU), then software noise indicators.
constexpr Wanted kWanted[] = {
    {"PAPI_TOT_CYC", "cycles"},
    {"PAPI_TOT_INS", "insns"},
    {"perf::CONTEXT-SWITCHES", "ctx_switches"},
    {"perf::CPU-MIGRATIONS", "cpu_migrations"},
    {"perf::PAGE-FAULTS", "page_faults"},
};

unsigned long thread_id() { return static_cast<unsigned long>(pthread_self()); }

// Adds `name` to a fresh event set and starts/stops it: the only proof that
// the event can be counted here.
EventProbe probe_event(const Wanted& w) {
  EventProbe p{w.papi, w.counter, false, {}};
  int code = 0;
  int rc = PAPI_event_name_to_code(const_cast<char*>(w.papi), &code);
  if (rc != PAPI_OK) {
    p.detail = fmt::format("unknown to PAPI: {}", PAPI_strerror(rc));
    return p;
  }
  int set = PAPI_NULL;
  if ((rc = PAPI_create_eventset(&set)) != PAPI_OK) {
    p.detail = fmt::format("PAPI_create_eventset: {}", PAPI_strerror(rc));
    return p;
  }
  if ((rc = PAPI_add_event(set, code)) != PAPI_OK) {
    p.detail = fmt::format("cannot be added: {}", PAPI_strerror(rc));
  } else if ((rc = PAPI_start(set)) != PAPI_OK) {
    p.detail = fmt::format("cannot be started: {}", PAPI_strerror(rc));
  } else {
    long long v = 0;
    rc = PAPI_stop(set, &v);
    p.usable = rc == PAPI_OK;
    if (!p.usable) p.detail = fmt::format("cannot be read: {}", PAPI_strerror(rc));
  }
  PAPI_cleanup_eventset(set);
  PAPI_destroy_eventset(&set);
  return p;
}

CounterSupport probe() {
  CounterSupport s;
  const int rc = PAPI_library_init(PAPI_VER_CURRENT);
  if (rc != PAPI_VER_CURRENT) {
    s.papi_detail = rc > 0 ? "PAPI version mismatch (headers vs library)" : PAPI_strerror(rc);
    for (const auto& w : kWanted) s.events.push_back({w.papi, w.counter, false, "PAPI unavailable"});
  } else {
    s.papi = true;
    PAPI_thread_init(thread_id);
    s.papi_detail =
        fmt::format("PAPI {}.{}.{}", PAPI_VERSION_MAJOR(rc), PAPI_VERSION_MINOR(rc), PAPI_VERSION_REVISION(rc));
    for (const auto& w : kWanted) s.events.push_back(probe_event(w));
  }
  s.cycles = s.events[0].usable ? CycleSource::papi : CycleSource::tsc;
  s.instructions = s.events[1].usable;
  const auto& tsc = tsc_calibration();
  s.tsc_ghz = tsc.ghz;
  s.tsc_overhead_ticks = tsc.read_overhead_ticks;
  s.core_per_tick = tsc.core_per_tick;
  return s;
}

}  // namespace

const char* to_string(CycleSource s) noexcept { return s == CycleSource::papi ? "papi" : "tsc"; }

const CounterSupport& counter_support() {
  static const CounterSupport s = probe();
  return s;
}

std::string describe_counters() {
  const auto& s = counter_support();
  std::string out;
  if (s.cycles == CycleSource::papi)
    out += "cycles: PAPI_TOT_CYC (hardware)\n";
  else
    out += fmt::format(
        "cycles: TSC ticks at {:.3f} GHz, serialised reads, {:.0f} ticks read overhead subtracted "
        "(PAPI_TOT_CYC {}); core clock ~{:.2f} GHz by a dependent-add chain, so 1 tick ~ {:.2f} "
        "core cycles\n",
        s.tsc_ghz, s.tsc_overhead_ticks, s.papi ? s.events[0].detail : s.papi_detail, s.tsc_ghz * s.core_per_tick,
        s.core_per_tick);
  out += s.instructions ? std::string("instructions: PAPI_TOT_INS (hardware)\n")
                        : fmt::format(
                              "instructions: none from hardware (PAPI_TOT_INS {}); use 'pokebench insns' "
                              "(callgrind) for exact counts\n",
                              s.papi ? s.events[1].detail : s.papi_detail);
  std::string soft;
  for (std::size_t i = 2; i < s.events.size(); ++i)
    soft += fmt::format("{}{} {}", soft.empty() ? "" : ", ", s.events[i].name,
                        s.events[i].usable ? "ok" : "no (" + s.events[i].detail + ")");
  out += fmt::format("noise events ({}): {}", s.papi_detail, soft);
  return out;
}

void announce_counters() {
  // Once per process: Google Benchmark refuses a context key twice.
  static std::once_flag once;
  std::call_once(once, [] {
    const auto& s = counter_support();
    benchmark::AddCustomContext("counters", to_string(s.cycles));
    benchmark::AddCustomContext("tsc_ghz", fmt::format("{:.4f}", s.tsc_ghz));
    benchmark::AddCustomContext("core_ghz_estimate", fmt::format("{:.3f}", s.tsc_ghz * s.core_per_tick));
    std::string usable;
    for (const auto& e : s.events)
      if (e.usable) usable += (usable.empty() ? "" : ",") + e.name;
    benchmark::AddCustomContext("papi_events", usable.empty() ? "none" : usable);
    if (s.cycles == CycleSource::tsc)
      support::note(
          "no hardware cycle counter here (PAPI_TOT_CYC {}); cycles_per_iter are TSC ticks at {:.3f} GHz (the core "
          "runs at ~{:.2f} GHz: 1 tick ~ {:.2f} core cycles), insns_per_iter is absent (use 'pokebench insns')",
          s.papi ? s.events[0].detail : s.papi_detail, s.tsc_ghz, s.tsc_ghz * s.core_per_tick, s.core_per_tick);
  });
}

BatchCounters::BatchCounters() {
  const auto& s = counter_support();
  if (!s.papi) return;
  if (PAPI_create_eventset(&event_set_) != PAPI_OK) {
    event_set_ = -1;
    return;
  }
  for (const auto& e : s.events) {
    if (!e.usable) continue;
    int code = 0;
    if (PAPI_event_name_to_code(const_cast<char*>(e.name.c_str()), &code) != PAPI_OK) continue;
    if (PAPI_add_event(event_set_, code) != PAPI_OK) continue;
    if (e.counter == "cycles") cycles_index_ = static_cast<int>(names_.size());
    if (e.counter == "insns") insns_index_ = static_cast<int>(names_.size());
    names_.push_back(e.counter);
  }
  values_.assign(names_.size(), 0);
  if (names_.empty()) {
    PAPI_destroy_eventset(&event_set_);
    event_set_ = -1;
  }
}

BatchCounters::~BatchCounters() {
  if (event_set_ < 0) return;
  long long dummy[8] = {};
  PAPI_stop(event_set_, dummy);
  PAPI_cleanup_eventset(event_set_);
  PAPI_destroy_eventset(&event_set_);
}

void BatchCounters::start() noexcept {
  if (event_set_ >= 0) PAPI_start(event_set_);
  tsc0_ = tsc_start();
  lap0_ = tsc0_;
}

void BatchCounters::lap(std::uint64_t iterations) {
  const std::uint64_t t = tsc_stop();
  const double ticks = static_cast<double>(t - lap0_) - tsc_calibration().read_overhead_ticks;
  if (iterations > 0) laps_.push_back((ticks > 0 ? ticks : 0) / static_cast<double>(iterations));
  lap0_ = tsc_start();
}

void BatchCounters::stop() noexcept {
  const std::uint64_t tsc1 = tsc_stop();
  if (event_set_ >= 0) PAPI_stop(event_set_, values_.data());
  const double ticks = static_cast<double>(tsc1 - tsc0_) - tsc_calibration().read_overhead_ticks;
  ticks_ = ticks > 0 ? ticks : 0;
  cycles_ = cycles_index_ >= 0 ? static_cast<double>(values_[static_cast<std::size_t>(cycles_index_)]) : ticks_;
  insns_ = insns_index_ >= 0 ? static_cast<double>(values_[static_cast<std::size_t>(insns_index_)]) : 0;
}

double BatchCounters::elapsed_us() const noexcept { return ticks_ / tsc_calibration().ghz / 1000.0; }

void BatchCounters::publish(benchmark::State& state, double iterations, Estimate estimate) const {
  if (iterations <= 0) return;
  if (estimate == Estimate::median_batch && cycles_index_ < 0 && !laps_.empty()) {
    std::vector<double> v = laps_;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    state.counters["cycles_per_iter"] = *mid;
  } else {
    state.counters["cycles_per_iter"] = cycles_ / iterations;
  }
  if (insns_index_ >= 0) state.counters["insns_per_iter"] = insns_ / iterations;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (static_cast<int>(i) == cycles_index_ || static_cast<int>(i) == insns_index_) continue;
    state.counters[names_[i]] = static_cast<double>(values_[i]);
  }
}

}  // namespace pokebench::bench
