// The trial child: vCPUs (readers, writer), the patcher configured for the
// scenario, and the toggler running cpuset_inc()/cpuset_dec() on this thread.
#include "trial.hpp"

#include <sched.h>
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace pokebench::harness::detail {
namespace {

namespace pp = pokebench::patcher;

using ToggleFn = void (*)(const pp::Config&);

struct Toggler {
  ToggleFn inc;
  ToggleFn dec;
  std::vector<const static_key*> keys;
  std::vector<const char*> names;
};

Toggler toggler_for(cpuset::Strategy s) {
  return cpuset::with_strategy(s, []<class S>() {
    Toggler t{&S::cpuset_inc, &S::cpuset_dec, S::keys(), {}};
    if (t.keys.size() == 2)
      t.names = {"cpusets_pre_enable_key", "cpusets_enabled_key"};
    else
      t.names = {"cpusets_enabled_key"};
    return t;
  });
}

pp::Config patcher_config(const ScenarioConfig& cfg) {
  pp::Config pc;
  pc.backend = cfg.backend;
  pc.int3 = cfg.int3;
  pc.apply = cpuset::apply_mode_for(cfg.strategy);
  pc.seed = cfg.seed;
  pc.max_batch = cfg.batch_size;
  switch (cfg.order) {
    case SiteOrder::table: pc.order = pp::Order::table; break;
    case SiteOrder::address: pc.order = pp::Order::address; break;
    case SiteOrder::reverse: pc.order = pp::Order::reverse; break;
    case SiteOrder::random: pc.order = pp::Order::random; break;
    case SiteOrder::begin_first:
    case SiteOrder::retry_first: {
      const char* first = cfg.order == SiteOrder::begin_first ? "begin" : "retry";
      pc.order = pp::Order::custom;
      pc.custom_order = [first](const std::vector<pp::SiteInfo>& sites) {
        std::vector<std::size_t> order(sites.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        // Stable: within a tag, table order.
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
          return (std::strcmp(sites[a].tag, first) == 0) > (std::strcmp(sites[b].tag, first) == 0);
        });
        return order;
      };
      break;
    }
  }
  return pc;
}

// Wait until pred() or the timeout; false on timeout. Spins for the first
// 50 us, then sleeps in short steps: on two host CPUs a spinning vCPU may
// share ours, and sched_yield would hand it a whole time slice.
template <class Pred>
bool wait_until(Pred pred, std::int64_t timeout_ns) {
  const std::int64_t t0 = now_ns();
  for (unsigned i = 0;; ++i) {
    if (pred()) return true;
    if ((i & 63) != 63) {
      cpu_relax();
      continue;
    }
    const std::int64_t waited = now_ns() - t0;
    if (waited > timeout_ns) return false;
    if (waited > 50'000) {
      struct timespec ts { 0, 10'000 };
      nanosleep(&ts, nullptr);
    }
  }
}

Oracles collect(const slub::World& w, const pp::Stats& st0) {
  Oracles o;
  for (const auto& r : w.readers) {
    o.torn_reads += r->torn.load(std::memory_order_relaxed);
    o.checked_exits += r->checked.load(std::memory_order_relaxed);
    o.unchecked_exits += r->unchecked.load(std::memory_order_relaxed);
    o.unchecked_inflight += r->unchecked_inflight.load(std::memory_order_relaxed);
    o.max_retries = std::max(o.max_retries, r->max_retries.load(std::memory_order_relaxed));
    // A reader still inside its loop (a hang) has retried loop_iter - 1 times so far.
    if (r->fn.load(std::memory_order_relaxed) != nullptr)
      o.max_retries = std::max<std::uint64_t>(o.max_retries, r->loop_iter.load(std::memory_order_relaxed) - 1);
    o.reader_loops += r->loops.load(std::memory_order_relaxed);
  }
  o.writes = w.writes.load(std::memory_order_relaxed);
  const pp::Stats st = pp::stats();
  o.int3_hits = st.int3_hits - st0.int3_hits;
  o.stray_sigtraps = st.stray_sigtraps - st0.stray_sigtraps;
  o.syncs = st.syncs - st0.syncs;
  return o;
}

} // namespace

int run_trial_child(const ScenarioConfig& cfg, SharedTrialState& shared, std::uint64_t max_transitions,
                    std::int64_t deadline_ns) {
  // Short sleeps in the waits below must be short (default slack: 50 us).
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  const std::int64_t start = now_ns();
  const std::int64_t timeout_ns = static_cast<std::int64_t>(cfg.timeout_ms) * 1'000'000;

  slub::World w;
  w.cfg = &cfg;
  w.mems_allowed_seq.sequence.store(cfg.initial_seq, std::memory_order_relaxed);
  Toggler tog = toggler_for(cfg.strategy);

  MachineConfig mc;
  mc.csd_timeout = std::chrono::milliseconds(cfg.timeout_ms);
  Machine m(mc);

  PatcherPosition pos;
  HangContext hctx;
  hctx.cfg = &cfg;
  hctx.world = &w;
  hctx.machine = &m;
  hctx.keys = tog.keys;
  hctx.key_names = tog.names;
  hctx.functions = slub::reader_functions(cfg.strategy);
  hctx.pos = &pos;
  hctx.start_ns = start;

  const pp::Stats stats0 = pp::stats();
  auto report_hang = [&](const CsdStall& stall, const char* what) {
    if (shared.status.load(std::memory_order_relaxed) != kRunning) return;
    const std::string text = format_hang_report(hctx, stall, what);
    SharedTrialState::put(shared.report, sizeof shared.report, text.c_str());
    Oracles o = collect(w, stats0);
    o.hangs = 1;
    o.transitions = shared.transitions_done.load(std::memory_order_relaxed);
    shared.oracles = o;
    shared.hang_transition.store(pos.transition, std::memory_order_relaxed);
    shared.hang_detected_ns.store(now_ns(), std::memory_order_relaxed);
    // Release pairs with the parent's acquire load of status: the report and
    // the oracles above are complete when it sees kHang.
    shared.status.store(kHang, std::memory_order_release);
  };
  // The kernel's csd_lock_wait_toolong(): report, then keep waiting (the
  // supervisor kills us once it has the report).
  m.on_csd_stall = [&](const CsdStall& s) {
    report_hang(s, "CSD-lock watchdog: a vCPU did not acknowledge the patcher's sync IPI");
    return true;
  };

  // The patcher: this scenario's protocol, our vCPUs as the CPUs to sync,
  // the observer for positions (and holds, in deterministic mode).
  pp::Config pc = patcher_config(cfg);
  pc.cpu_sync = [&m] { m.on_each_cpu(do_sync_core, nullptr, "do_sync_core"); };
  std::uint64_t holds = 0;
  pc.observer = [&](const pp::PatchEvent& ev) {
    pos.valid = true;
    pos.key = ev.key;
    pos.enabling = ev.enabling;
    pos.index = ev.index;
    pos.count = ev.count;
    pos.batch = ev.batch;
    pos.batches = ev.batches;
    pos.phase = ev.phase;
    pos.step = ev.step;
    pos.site = ev.site ? ev.site->code : nullptr;
    pos.tag = ev.site ? ev.site->tag : "";
    shared.pos_index.store(static_cast<std::uint32_t>(ev.index), std::memory_order_relaxed);
    shared.pos_count.store(static_cast<std::uint32_t>(ev.count), std::memory_order_relaxed);
    shared.pos_phase.store(static_cast<std::uint32_t>(ev.phase), std::memory_order_relaxed);
    shared.pos_step.store(static_cast<std::uint32_t>(ev.step), std::memory_order_relaxed);
    shared.heartbeat.fetch_add(1, std::memory_order_relaxed);
    if (!w.det_active.load(std::memory_order_relaxed)) return;
    if (ev.step == pp::Step::before_write) {
      // Hold every reader inside an IRQ-off section across this write.
      const std::uint64_t r = ++holds;
      w.hold_req.store(r, std::memory_order_release); // pairs with HarnessProbe::ack_hold's acquire
      for (auto& rs : w.readers) {
        // Acquire pairs with the reader's release store of hold_ack.
        // A reader acknowledges from inside any loop, even one that never
        // ends: only a reader the host does not schedule can be late, so
        // give it four watchdog periods before calling it a harness failure.
        if (!wait_until([&] { return rs->hold_ack.load(std::memory_order_acquire) >= r; }, 4 * timeout_ns)) {
          CsdStall s{rs->cpu->id, 0, "deterministic hold", now_ns() - start, 0, now_ns()};
          report_hang(s, "a reader never entered an IRQ-off section for a protocol step");
          for (;;) wait_until([] { return false; }, timeout_ns); // the supervisor kills us
        }
      }
    } else if (ev.step == pp::Step::after_write) {
      // Release pairs with the reader's acquire load in det_section().
      w.write_done.store(holds, std::memory_order_release);
    }
  };
  // The reverse transition runs with every reader parked outside any loop,
  // so its protocol cannot matter to the verdict: do it batched (3 syncs
  // instead of 3 per site), which halves the cost of a stress trial.
  pp::Config reverse_pc = pc;
  reverse_pc.apply = pp::ApplyMode::batched;
  reverse_pc.max_batch = 1 << 20;
  const pp::Config tested_pc = pc;

  // vCPUs: readers first (vCPU 0..), then the writer, then the negative control.
  for (unsigned i = 0; i < cfg.readers; ++i) {
    auto rs = std::make_unique<slub::ReaderState>();
    slub::ReaderState* p = rs.get();
    w.readers.push_back(std::move(rs));
    m.start_vcpu("reader" + std::to_string(i), [&w, p](Vcpu& self) {
      p->cpu = &self;
      slub::reader_main(w, *p);
    });
  }
  for (auto& rs : w.readers) // cpu is set by the thread; wait for it
    wait_until([&] { return rs->cpu != nullptr; }, timeout_ns);
  if (cfg.writer_period_us > 0) m.start_vcpu("writer", [&w](Vcpu& self) { slub::writer_main(w, self); });
  if (cfg.inject_stuck_vcpu)
    m.start_vcpu("stuck", [](Vcpu& self) {
      // Negative control: interrupts off for good, outside any loop.
      local_irq_disable();
      while (!self.machine->stop_requested()) cpu_relax();
    });
  SharedTrialState::put(shared.pin_warning, sizeof shared.pin_warning, m.pinning_warning().c_str());

  auto park = [&](bool on) {
    w.park_req.store(on, std::memory_order_release); // pairs with reader_main's acquire
    if (!on) return true;
    for (auto& rs : w.readers) // generous: only a reader the host does not schedule is late here
      if (!wait_until([&] { return rs->parked.load(std::memory_order_acquire); }, 4 * timeout_ns)) return false;
    return true;
  };
  const bool enable = cfg.direction == Direction::enable;
  auto tested = [&] {
    pos.transition++;
    pos.tested = true;
    enable ? tog.inc(tested_pc) : tog.dec(tested_pc);
    pos.tested = false;
    shared.transitions_done.fetch_add(1, std::memory_order_relaxed);
    shared.heartbeat.fetch_add(1, std::memory_order_relaxed);
  };
  auto reverse = [&] {
    if (!park(true)) throw std::runtime_error("a reader did not park within the timeout");
    enable ? tog.dec(reverse_pc) : tog.inc(reverse_pc);
    park(false);
  };

  if (!enable) reverse(); // the key starts disabled: enable it, readers parked
  if (cfg.mode == Mode::deterministic) {
    w.det_active.store(true, std::memory_order_release); // pairs with reader_main's acquire
    tested();
    w.det_active.store(false, std::memory_order_release);
  } else {
    for (std::uint64_t n = 0; n < max_transitions; ++n) {
      if (n > 0 && deadline_ns && now_ns() >= deadline_ns) break; // at least one per child
      tested();
      reverse();
    }
  }

  m.request_stop();
  m.join_all();
  Oracles o = collect(w, stats0);
  o.transitions = shared.transitions_done.load(std::memory_order_relaxed);
  shared.oracles = o;
  shared.status.store(kDone, std::memory_order_release); // pairs with the parent's acquire
  return 0;
}

} // namespace pokebench::harness::detail
