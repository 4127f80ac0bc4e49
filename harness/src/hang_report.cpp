// The hang report, modelled on kernel/smp.c's CSD-lock watchdog
// (csd_lock_wait_toolong): who does not answer, for how long, which IPI; what
// the silent vCPU is doing; every site of the key(s); where the patcher is.
// Runs on the patching thread inside the sync hook: it must not take the
// patcher's jump_label_mutex (held there). sites_of() takes only the site
// registry's shared lock; stats() is lock-free.
#include "trial.hpp"

#include <pokebench/support/hex.hpp>

#include <fmt/format.h>

#include <time.h>
#include <algorithm>
#include <cstring>
#include <fstream>

namespace pokebench::harness::detail {
namespace {

namespace pp = pokebench::patcher;

std::string hex(const pp::Insn& b) { return support::hex_bytes(b.data(), b.size()); }

// Name a site by the reader function containing it: the function the
// patcher found in the ELF symbol table is one of the strategy's reader
// functions (however large a sanitizer build makes them), else the patcher's
// symbol.
std::string site_symbol(const HangContext& ctx, const pp::SiteInfo& s) {
  for (const auto& [fn, name] : ctx.functions)
    if (s.function != nullptr && s.function == fn)
      return fmt::format("{}<{}>+{:#x}", name, ctx.strategy->name,
                         static_cast<const char*>(s.code) - static_cast<const char*>(fn));
  return s.symbol;
}

const char* insn_meaning(const pp::Insn& b, pp::Int3Policy policy) {
  if (b == pp::kNop5) return "NOP: the branch reads the key as disabled";
  if (b[0] == pp::kJmp32) return "JMP: the branch reads the key as enabled";
  if (b[0] == pp::kInt3)
    return policy == pp::Int3Policy::skip ? "int3: traps; the v4.x handler resumes after it, as the NOP"
                                          : "int3: traps; the v5.5 handler emulates the new instruction";
  return "unexpected bytes";
}

// What the host kernel says about the silent vCPU's thread: is it running,
// is our IPI signal pending or blocked, and is it making progress at all.
std::string thread_status(const Vcpu& v) {
  std::string out;
  const std::uint64_t p0 = v.progress.load(std::memory_order_relaxed);
  struct timespec ts {
    0, 20'000'000
  };
  nanosleep(&ts, nullptr);
  const std::uint64_t p1 = v.progress.load(std::memory_order_relaxed);
  out += fmt::format("      host thread {}: {} (progress counter +{} in 20 ms)", v.tid,
                     p1 != p0 ? "running" : "NOT RUNNING or stuck outside the harness's loops", p1 - p0);
  std::ifstream f("/proc/self/task/" + std::to_string(v.tid) + "/status");
  std::string l;
  while (std::getline(f, l))
    if (l.rfind("State:", 0) == 0 || l.rfind("SigPnd:", 0) == 0 || l.rfind("SigBlk:", 0) == 0 ||
        l.rfind("Cpus_allowed_list:", 0) == 0 || l.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
      out += "; " + l;
  return out + "\n";
}

// How the key tests in one reader function behave right now, e.g.
// "begin: NOP (key reads disabled), retry: JMP (key reads enabled)".
std::string sites_in_function(const HangContext& ctx, const char* fn) {
  const PatcherPosition& p = *ctx.pos;
  std::string out;
  for (const auto& [key, key_name] : ctx.keys) {
    const bool in_update = p.valid && p.key == key;
    const bool target = in_update ? p.enabling : pp::static_key_count(key) > 0;
    for (const pp::SiteInfo& s : pp::sites_of(key)) {
      if (site_symbol(ctx, s).rfind(std::string(fn) + "<", 0) != 0) continue;
      pp::Insn live{};
      std::memcpy(live.data(), s.code, live.size());
      bool jumps = live[0] == pp::kJmp32;
      const char* how = jumps ? "JMP" : "NOP";
      if (live[0] == pp::kInt3) {
        // What the SIGTRAP handler makes of it (docs/kernel.md, the int3 handler).
        jumps = ctx.cfg->int3 == pp::Int3Policy::emulate_new && pp::site_instruction(s, target)[0] == pp::kJmp32;
        how = ctx.cfg->int3 == pp::Int3Policy::skip ? "int3, resumed as NOP" : "int3, emulating the new instruction";
      }
      out += fmt::format("{}{}: {} (key reads {})", out.empty() ? "" : ", ", *s.tag ? s.tag : "site", how,
                         jumps != s.likely ? "enabled" : "disabled");
    }
  }
  return out.empty() ? std::string() : "      key tests in this function now: " + out + "\n";
}

}  // namespace

std::string format_hang_report(const HangContext& ctx, const CsdStall& stall, const char* what) {
  const ScenarioConfig& cfg = *ctx.cfg;
  const std::int64_t now = now_ns();
  std::string r;
  r += fmt::format("pokebench: hang report: {}\n", what);
  const Vcpu* silent = stall.cpu >= 0 && static_cast<std::size_t>(stall.cpu) < ctx.machine->size()
                           ? &ctx.machine->vcpu(static_cast<std::size_t>(stall.cpu))
                           : nullptr;
  r += fmt::format(
      "csd: Detected non-responsive CSD lock (#1) on the patching thread, waiting {} ns for vCPU#{:02d} ({}) "
      "{}(0x0), IPI #{}; the vCPU ran {:.1f} ms on its host CPU meanwhile\n",
      stall.waited_ns, stall.cpu, silent ? silent->name : "?", stall.func_name, stall.ipi_seq,
      static_cast<double>(stall.ran_ns) / 1e6);

  // Every vCPU, the silent one first.
  r += "vCPUs:\n";
  for (std::size_t i = 0; i < ctx.machine->size(); ++i) {
    const Vcpu& v = ctx.machine->vcpu(i);
    const bool masked = v.irqs_masked.load(std::memory_order_relaxed);
    std::string line =
        fmt::format("  vCPU#{:02d} {:<8} host CPU {:>2}  IRQs {}", v.id, v.name, v.host_cpu, masked ? "MASKED" : "on");
    if (masked)
      line += fmt::format(" for {:.1f} ms", static_cast<double>(std::max<std::int64_t>(
                                                0, now - v.masked_since_ns.load(std::memory_order_relaxed))) /
                                                1e6);
    line += fmt::format(", IPIs taken {} (deferred {}), calls run {}", v.ipis_received.load(std::memory_order_relaxed),
                        v.ipis_deferred.load(std::memory_order_relaxed), v.calls_run.load(std::memory_order_relaxed));
    if (static_cast<int>(i) == stall.cpu) line += "  <-- does not answer";
    r += line + "\n";
    if (static_cast<int>(i) == stall.cpu) r += thread_status(v);
    bool reader = false;
    for (const auto& rs : *ctx.readers) {
      if (rs->cpu != &v) continue;
      reader = true;
      r += ctx.world->describe_reader(*rs);
      if (const char* fn = rs->fn.load(std::memory_order_relaxed)) r += sites_in_function(ctx, fn);
    }
    if (!reader) r += fmt::format("      not a reader: not in a begin/retry loop\n");
  }

  // The patcher's position.
  const PatcherPosition& p = *ctx.pos;
  if (p.valid) {
    const char* kname = "?";
    for (const NamedKey& k : ctx.keys)
      if (k.key == p.key) kname = k.name;
    r += fmt::format("patcher: {} {} ({}), transition #{}{}, site {} of {}{}{}, step {}/3 ({}), {}\n", kname,
                     p.enabling ? "enabling" : "disabling", pp::to_string(ctx.strategy->apply), p.transition,
                     p.tested ? " (under test)" : " (reverse, readers parked)", p.site ? p.index + 1 : 0, p.count,
                     p.site ? fmt::format(" '{}'", p.tag) : std::string(" (batch-wide)"),
                     p.batches > 1 && ctx.strategy->apply == pp::ApplyMode::batched
                         ? fmt::format(", batch {} of {}", p.batch + 1, p.batches)
                         : std::string(),
                     static_cast<int>(p.phase), pp::to_string(p.phase), pp::to_string(p.step));
  } else {
    r += "patcher: no protocol step announced yet\n";
  }

  // Every site of every key of the strategy.
  for (const auto& [key, key_name] : ctx.keys) {
    const bool in_update = p.valid && p.key == key;
    const int count = pp::static_key_count(key);
    r += fmt::format("sites of {} (count {}{}):\n", key_name, count, in_update ? ", being patched" : "");
    for (const pp::SiteInfo& s : pp::sites_of(key)) {
      // Live bytes: read now, not from the snapshot (sites_of read them just now too).
      pp::Insn live{};
      std::memcpy(live.data(), s.code, live.size());
      const bool target = in_update ? p.enabling : count > 0;
      const pp::Insn want = pp::site_instruction(s, target);
      const pp::Insn old = pp::site_instruction(s, !target);
      const char* state = live == want           ? (in_update ? "patched" : "settled")
                          : live == old          ? "untouched"
                          : live[0] == pp::kInt3 ? "in progress"
                                                 : "INCONSISTENT";
      r += fmt::format("  {} {:<44} {:<6} {}  {:<11} int3 hits {:<8} {}\n", s.code, site_symbol(ctx, s),
                       *s.tag ? s.tag : "-", hex(live), state, s.int3_hits, insn_meaning(live, cfg.int3));
    }
  }
  const pp::Stats st = pp::stats();
  r += fmt::format("patcher stats: syncs {}, writes {}, int3 hits {}, stray SIGTRAPs {}\n", st.syncs, st.writes,
                   st.int3_hits, st.stray_sigtraps);
  r += "configuration: " + describe(cfg) + "\n";
  return r;
}

}  // namespace pokebench::harness::detail
