// The trial child: the scenario's world on a machine of vCPUs (readers, then
// the scenario's other vCPUs), the patcher driven by the scenario's policy,
// and the toggler running the transitions on this thread.
#include "trial.hpp"

#include <sys/prctl.h>

#include <stdexcept>

namespace pokebench::harness::detail {
namespace {

namespace pp = pokebench::patcher;

pp::Config policy_for(const ScenarioConfig& cfg, const StrategyInfo& st) {
  pp::Config pc;
  pc.backend = cfg.backend;
  pc.int3 = cfg.int3;
  pc.apply = st.apply;
  pc.seed = cfg.seed;
  pc.max_batch = cfg.batch_size;
  pc.order = cfg.order.order;
  pc.first_tag = cfg.order.first_tag;
  return pc;
}

Oracles collect(const TrialWorld& w, const pp::Stats& st0, const std::vector<std::unique_ptr<ReaderSlot>>& readers) {
  Oracles o;
  w.collect(o);
  // A reader still inside its loop (a hang) has retried loop_iter - 1 times so far.
  for (const auto& r : readers)
    if (r->fn.load(std::memory_order_relaxed) != nullptr)
      o.max_retries = std::max<std::uint64_t>(o.max_retries, r->loop_iter.load(std::memory_order_relaxed) - 1);
  const pp::Stats st = pp::stats();
  o.int3_hits = st.int3_hits - st0.int3_hits;
  o.stray_sigtraps = st.stray_sigtraps - st0.stray_sigtraps;
  o.syncs = st.syncs - st0.syncs;
  return o;
}

// Keeps the position the hang report and the parent read current.
void track(PatcherPosition& pos, SharedTrialState& shared, const pp::PatchEvent& ev) {
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
}

}  // namespace

int run_trial_child(const ScenarioConfig& cfg, SharedTrialState& shared, std::uint64_t max_transitions,
                    std::int64_t deadline_ns) {
  // Short sleeps in the waits below must be short (default slack: 50 us).
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  const std::int64_t start = now_ns();
  const std::int64_t timeout_ns = static_cast<std::int64_t>(cfg.timeout_ms) * 1'000'000;
  const Scenario& sc = scenario_of(cfg);
  const StrategyInfo& st = *sc.find_strategy(cfg.strategy);  // validated by run_scenario
  MachineConfig mc;
  mc.csd_timeout = std::chrono::milliseconds(cfg.timeout_ms);
  Machine m(mc);
  const std::unique_ptr<TrialWorld> world = sc.make_world(cfg);

  Holds holds;
  holds.irqoff_loops = cfg.irqoff_loops;
  std::vector<std::unique_ptr<ReaderSlot>> readers;
  const unsigned nreaders = sc.patches_code() ? cfg.readers : 0;  // a hotplug race has no key readers
  for (unsigned i = 0; i < nreaders; ++i) {
    readers.push_back(std::make_unique<ReaderSlot>());
    readers.back()->index = i;
    readers.back()->holds = &holds;
  }
  // Every vCPU stops before the world, the readers and the holds go, however
  // this function is left: the vCPUs' bodies use them (a hotplug world's
  // vCPUs use its CpuHotplug).
  struct JoinFirst {
    Machine& m;
    ~JoinFirst() { m.join_all(); }
  } join_first{m};

  PatcherPosition pos;
  HangContext hctx{&cfg, &st, world.get(), &m, &readers, world->keys(), world->functions(), &pos, start};

  const pp::Stats stats0 = pp::stats();
  // Hands a hang report and the oracles so far to the parent, once.
  auto publish_hang = [&](const std::string& text) {
    if (shared.status.load(std::memory_order_relaxed) != kRunning) return;
    SharedTrialState::put(shared.report, sizeof shared.report, text.c_str());
    Oracles o = collect(*world, stats0, readers);
    o.hangs = 1;
    o.transitions = shared.transitions_done.load(std::memory_order_relaxed);
    shared.oracles = o;
    shared.hang_transition.store(pos.transition, std::memory_order_relaxed);
    shared.hang_detected_ns.store(now_ns(), std::memory_order_relaxed);
    // Release pairs with the parent's acquire load of status: the report and
    // the oracles above are complete when it sees kHang.
    shared.status.store(kHang, std::memory_order_release);
  };
  auto report_hang = [&](const CsdStall& stall, const char* what) {
    if (shared.status.load(std::memory_order_relaxed) != kRunning) return;
    publish_hang(format_hang_report(hctx, stall, what));
  };
  // A deadlock the world's own watchdog found: its report is the hang report.
  world->report_hang = [&](const std::string& text) { publish_hang(text + "configuration: " + describe(cfg) + "\n"); };
  // The kernel's csd_lock_wait_toolong(): report, then keep waiting (the
  // supervisor kills us once it has the report).
  m.on_csd_stall = [&](const CsdStall& s) {
    report_hang(s, "CSD-lock watchdog: a vCPU did not acknowledge the patcher's sync IPI");
    return true;
  };

  // The policy under test: the scenario's protocol, our vCPUs as the CPUs to
  // sync, the observer for positions (and holds, in deterministic mode).
  pp::Config tested = policy_for(cfg, st);
  tested.cpu_sync = [&m] { m.on_each_cpu(do_sync_core, nullptr, "do_sync_core"); };
  std::uint64_t holds_done = 0, writes_seen = 0;
  tested.observer = [&](const pp::PatchEvent& ev) {
    track(pos, shared, ev);
    if (!holds.det_active.load(std::memory_order_relaxed)) return;
    if (ev.step == pp::Step::before_write) {
      // A forced schedule: the readers sat out the writes before this one
      // parked (IRQs on, so they acknowledged those syncs); from here on
      // they are held as usual.
      if (++writes_seen < cfg.hold_from_write) return;
      if (writes_seen == cfg.hold_from_write && cfg.hold_from_write > 1) park_readers(holds, readers, false, 0);
      // Hold every reader inside an IRQ-off section across this write. A
      // reader acknowledges from inside any loop, even one that never ends:
      // only a reader the host does not schedule can be late, so give it
      // four watchdog periods before calling it a harness failure.
      if (const ReaderSlot* late = hold_readers(holds, readers, ++holds_done, 4 * timeout_ns)) {
        CsdStall s{late->cpu->id, 0, "deterministic hold", now_ns() - start, 0, now_ns()};
        report_hang(s, "a reader never entered an IRQ-off section for a protocol step");
        for (;;) wait_until([] { return false; }, timeout_ns);  // the supervisor kills us
      }
    } else if (ev.step == pp::Step::after_write && writes_seen >= cfg.hold_from_write) {
      release_readers(holds, holds_done);
    }
  };
  // The reverse transition runs with every reader parked outside any loop,
  // so its protocol cannot matter to the verdict: do it batched (3 syncs
  // instead of 3 per site), which halves the cost of a stress trial.
  pp::Config reverse = tested;
  reverse.apply = pp::ApplyMode::batched;
  reverse.max_batch = 1 << 20;

  // vCPUs: readers first (vCPU 0..), then the scenario's others, then the negative control.
  for (auto& r : readers) {
    ReaderSlot* slot = r.get();
    m.start_vcpu("reader" + std::to_string(slot->index), [&, slot](Vcpu& self) {
      slot->cpu = &self;
      reader_main(holds, *slot, *world, m);
    });
  }
  for (auto& r : readers)  // cpu is set by the thread; wait for it
    wait_until([&] { return r->cpu != nullptr; }, timeout_ns);
  world->start_other_vcpus(m);
  if (cfg.inject_stuck_vcpu)
    m.start_vcpu("stuck", [](Vcpu& self) {
      // Negative control: interrupts off for good, outside any loop.
      local_irq_disable();
      while (!self.machine->stop_requested()) cpu_relax();
    });
  SharedTrialState::put(shared.pin_warning, sizeof shared.pin_warning, m.pinning_warning().c_str());

  const bool enable = cfg.direction == Direction::enable;
  auto run_tested = [&] {
    pos.transition++;
    pos.tested = true;
    world->toggle(enable, tested);
    pos.tested = false;
    shared.transitions_done.fetch_add(1, std::memory_order_relaxed);
    shared.heartbeat.fetch_add(1, std::memory_order_relaxed);
  };
  // Generous: only a reader the host does not schedule is late to park.
  auto run_reverse = [&] {
    if (!park_readers(holds, readers, true, 4 * timeout_ns))
      throw std::runtime_error("a reader did not park within the timeout");
    world->toggle(!enable, reverse);
    park_readers(holds, readers, false, 0);
  };

  if (!enable) run_reverse();  // the key starts disabled: enable it, readers parked
  if (cfg.mode == Mode::deterministic) {
    if (cfg.hold_from_write > 1 && !park_readers(holds, readers, true, 4 * timeout_ns))
      throw std::runtime_error("a reader did not park within the timeout");
    holds.det_active.store(true, std::memory_order_release);  // pairs with reader_main's acquire
    run_tested();
    park_readers(holds, readers, false, 0);  // a schedule that held from no write at all
    holds.det_active.store(false, std::memory_order_release);
  } else {
    for (std::uint64_t n = 0; n < max_transitions; ++n) {
      if (n > 0 && deadline_ns && now_ns() >= deadline_ns) break;  // at least one per child
      run_tested();
      run_reverse();
    }
  }

  m.request_stop();
  m.join_all();
  Oracles o = collect(*world, stats0, readers);
  o.transitions = shared.transitions_done.load(std::memory_order_relaxed);
  shared.oracles = o;
  shared.status.store(kDone, std::memory_order_release);  // pairs with the parent's acquire
  return 0;
}

}  // namespace pokebench::harness::detail
