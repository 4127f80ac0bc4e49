// The transitions: each CPU's next step, in the kernel's order.
#include "state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace pokebench::explore::detail {

namespace pp = pokebench::patcher;

namespace {

// The callers of read_mems_allowed_begin/retry in mm/ (docs/kernel.md §7).
constexpr const char* kFunctions[] = {"get_any_partial", "fallback_alloc", "dequeue_huge_page_vma",
                                      "__alloc_pages_slowpath"};

const char* bytes_text(std::uint8_t b) {
  switch (b) {
    case kNopBytes:
      return "0f 1f 44 00 00 (NOP)";
    case kJmpBytes:
      return "e9 rel32 (JMP)";
    case site_bytes(kHeadInt3, kTailNop):
      return "cc 1f 44 00 00 (int3)";
    case site_bytes(kHeadInt3, kTailJmp):
      return "cc rel32 (int3)";
    default:
      return "a mix of NOP and JMP bytes";
  }
}

std::uint8_t insn_for(bool enabled) { return enabled ? kJmpBytes : kNopBytes; }

bool all_acked(const Model& m, const State& s) {
  for (unsigned i = 0; i < m.cfg.readers; ++i)
    if (!(s.r[i].flags & kAcked)) return false;
  return s.w.acked != 0;
}

// ---- readers ----------------------------------------------------------------------

// What executing `site` does on reader `r`: true = the JMP (key enabled).
// The int3 exception returns through IRET, which serialises: the trapping
// CPU's view becomes memory.
bool execute_site(const Model& m, State& s, Reader& r, unsigned site, Violation& v, std::string* text) {
  const std::uint8_t b = m.cfg.views == Views::coherent ? s.mem[site] : r.view[site];
  if (head_of(b) == kHeadInt3) {
    const bool updating = s.upd.key == m.sites[site].key;
    r.view = s.mem;
    if (!updating) {
      v = Violation::stray_int3;
      return false;
    }
    const bool taken = m.cfg.int3 == pp::Int3Policy::emulate_new && s.upd.enabling;
    if (text)
      *text += fmt::format("traps on the int3 of {} ({} handler: behaves as {}); ", site_name(m, site),
                           pp::to_string(m.cfg.int3), taken ? "JMP" : "NOP");
    return taken;
  }
  if (b == kJmpBytes || b == kNopBytes) {
    if (text) *text += fmt::format("executes {} = {}; ", site_name(m, site), b == kJmpBytes ? "JMP" : "NOP");
    return b == kJmpBytes;
  }
  v = Violation::mixed_insn;
  if (text) *text += fmt::format("executes {} holding {}; ", site_name(m, site), bytes_text(b));
  return false;
}

unsigned site_of(const Model& m, unsigned fn, Role role) {
  for (unsigned i = 0; i < m.sites.size(); ++i)
    if (m.sites[i].fn == fn && m.sites[i].role == role) return i;
  return 0;  // validate() guarantees the site exists
}

// A loop exit: the next function, or IRQs on after the last one.
void loop_exit(const Model& m, const State& s, Reader& r, bool checked, Violation& v, std::string* text) {
  if (checked && r.d0 != r.d1) v = Violation::torn_read;
  if (text)
    *text += fmt::format("leaves the loop of {} ({}{})", kFunctions[r.fn % 4], checked ? "checked" : "unchecked",
                         checked && r.d0 != r.d1 ? fmt::format(", data words {} and {}: TORN", r.d0, r.d1) : "");
  r.cookie = 0;
  r.flags &= kAcked;
  r.d0 = r.d1 = 0;
  if (++r.fn == m.cfg.functions) {
    r.fn = 0;
    r.pc = kIdle;
    if (text) *text += "; IRQs on";
  } else {
    r.pc = kBegin;
  }
  (void)s;
}

void reader_step(const Model& m, State& s, unsigned idx, Violation& v, std::string* text) {
  Reader& r = s.r[idx];
  const StrategyModel& st = *m.cfg.strategy;
  switch (r.pc) {
    case kIdle:  // local_irq_save(); get_any_partial()
      r.pc = kBegin;
      r.fn = 0;
      if (text) *text += fmt::format("IRQs off, enters {}", kFunctions[0]);
      return;
    case kBegin: {  // read_mems_allowed_begin()
      if (text) *text += "begin: ";
      const bool on = execute_site(m, s, r, site_of(m, r.fn, Role::begin), v, text);
      if (st.guard == RetryGuard::cached_flag) r.flags = on ? (r.flags | kWasEnabled) : (r.flags & ~kWasEnabled);
      if (!on) {
        r.cookie = st.off_cookie == OffCookie::disabled_marker ? kMarker : 0;
        r.flags &= ~kBeginRead;
        if (text) *text += fmt::format("cookie {}", r.cookie == kMarker ? "-1" : "0");
      } else if (st.begin_on == BeginOn::wait_even && (s.seq & 1)) {
        if (text) *text += fmt::format("mems_allowed_seq {} is odd: spins", s.seq);
        return;  // read_seqcount_begin spins: the step repeats
      } else {
        r.cookie = s.seq;
        r.flags |= kBeginRead;
        if (text) *text += fmt::format("reads mems_allowed_seq {}", s.seq);
      }
      r.pc = kWalk0;
      return;
    }
    case kWalk0:
      r.d0 = s.data[0];
      r.pc = kWalk1;
      if (text) *text += fmt::format("walks the zonelist: mems_allowed word 0 = {}", r.d0);
      return;
    case kWalk1:
      r.d1 = s.data[1];
      r.pc = kRetry;
      if (text) *text += fmt::format("walks the zonelist: mems_allowed word 1 = {}", r.d1);
      return;
    case kRetry: {  // read_mems_allowed_retry()
      if (text) *text += "retry: ";
      if (st.guard == RetryGuard::disabled_marker && r.cookie == kMarker) {
        if (text) *text += "cookie -1: false; ";
        return loop_exit(m, s, r, false, v, text);
      }
      if (st.guard == RetryGuard::cached_flag && !(r.flags & kWasEnabled)) {
        if (text) *text += "cookie says disabled: false; ";
        return loop_exit(m, s, r, false, v, text);
      }
      if (st.retry_key >= 0 && !execute_site(m, s, r, site_of(m, r.fn, Role::retry), v, text))
        return loop_exit(m, s, r, false, v, text);
      const bool again = s.seq != r.cookie;
      if (text)
        *text += fmt::format("mems_allowed_seq {} {} cookie {}", s.seq,
                             again ? "!=" : "==", r.cookie == kMarker ? "-1" : std::to_string(r.cookie));
      if (again) {
        r.pc = kBegin;
        if (text) *text += ": loops again";
        return;
      }
      if (text) *text += "; ";
      return loop_exit(m, s, r, (r.flags & kBeginRead) != 0, v, text);
    }
  }
}

// ---- the writer: set_mems_allowed() -------------------------------------------------

void writer_step(State& s, std::string* text) {
  switch (s.w.pc) {
    case kWIdle:
      ++s.seq;
      s.w.pc = kWOdd;
      if (text) *text += fmt::format("IRQs off, write_seqcount_begin: mems_allowed_seq {}", s.seq);
      return;
    case kWOdd:
      s.data[0] = static_cast<std::uint8_t>(s.data[0] + 1);
      s.w.pc = kWWrote0;
      if (text) *text += fmt::format("stores mems_allowed word 0 = {}", s.data[0]);
      return;
    case kWWrote0:
      s.data[1] = s.data[0];
      s.w.pc = kWWrote1;
      if (text) *text += fmt::format("stores mems_allowed word 1 = {}", s.data[1]);
      return;
    case kWWrote1:
      ++s.seq;
      --s.w.left;
      s.w.pc = kWIdle;
      if (text) *text += fmt::format("write_seqcount_end: mems_allowed_seq {}; IRQs on", s.seq);
      return;
  }
}

// ---- togglers: jump_label.cpp's inc/dec and text_poke_bp.cpp's protocol ---------------

unsigned keys_of_update(const Model& m, int key) { return static_cast<unsigned>(m.patch_order[key].size()); }

unsigned chunk_len(const Model& m, const Update& u) {
  const unsigned n = keys_of_update(m, u.key);
  const unsigned b = m.cfg.apply == pp::ApplyMode::per_site ? 1u : static_cast<unsigned>(m.cfg.batch_size);
  return std::min(b, n - u.chunk);
}

const char* kPhaseWords[] = {"int3", "tail", "head"};

// One step of text_poke_bp(); true when the update is complete.
bool update_step(const Model& m, State& s, Violation& v, std::string* text) {
  Update& u = s.upd;
  const unsigned len = chunk_len(m, u);
  if (!u.syncing) {  // Step 1/2/3: one write
    const unsigned site = m.patch_order[u.key][u.chunk + u.i];
    const std::uint8_t want = insn_for(u.enabling), was = insn_for(!u.enabling);
    std::uint8_t& b = s.mem[site];
    const std::uint8_t expect = u.phase == kInt3        ? was
                                : u.phase == kTailPhase ? site_bytes(kHeadInt3, tail_of(was))
                                                        : site_bytes(kHeadInt3, tail_of(want));
    if (b != expect) v = Violation::unexpected_bytes;
    b = u.phase == kInt3        ? site_bytes(kHeadInt3, tail_of(was))
        : u.phase == kTailPhase ? site_bytes(kHeadInt3, tail_of(want))
                                : want;
    if (text)
      *text += fmt::format("text_poke_bp {} of {} (site {}/{}): now {}", kPhaseWords[u.phase], site_name(m, site),
                           u.chunk + u.i + 1, keys_of_update(m, u.key), bytes_text(b));
    if (++u.i == len) {
      u.syncing = 1;
      for (unsigned i = 0; i < m.cfg.readers; ++i) s.r[i].flags &= ~kAcked;
      s.w.acked = 0;
      if (text)
        *text +=
            fmt::format("; sync after the {} step: IPI to every CPU, waits (on_each_cpu wait=1)", kPhaseWords[u.phase]);
    }
    return false;
  }
  // The sync: complete when every CPU acknowledged (the mutation skips that).
  if (!m.cfg.mutations.sync_without_acks && !all_acked(m, s)) return false;
  u.syncing = 0;
  u.i = 0;
  if (text) *text += fmt::format("sync after the {} step complete", kPhaseWords[u.phase]);
  if (++u.phase <= kHeadPhase) return false;
  u.phase = kInt3;
  u.chunk = static_cast<std::uint8_t>(u.chunk + len);
  return u.chunk == keys_of_update(m, u.key);
}

bool toggler_enabled(const Model& m, const State& s, unsigned t, const std::vector<int>& prog) {
  const Toggler& tg = s.t[t];
  if (tg.op >= prog.size()) return false;
  if (tg.step == kLock) return s.mutex < 0;
  if (tg.step == kPatching && s.upd.syncing) return m.cfg.mutations.sync_without_acks || all_acked(m, s);
  return true;
}

void toggler_step(const Model& m, State& s, unsigned t, const std::vector<int>& prog, Violation& v, std::string* text) {
  Toggler& tg = s.t[t];
  const bool inc = prog[tg.op] > 0;
  const unsigned nkeys = static_cast<unsigned>(m.cfg.strategy->keys.size());
  // inc changes the keys in the strategy's order, dec in the reverse one.
  const int key = static_cast<int>(inc ? tg.kop : nkeys - 1 - tg.kop);
  const char* kname = m.cfg.strategy->keys[key];
  const char* fname = inc ? "static_key_slow_inc" : "static_key_slow_dec";
  std::int8_t& count = s.count[key];
  auto done = [&] {
    tg.step = kFast;
    if (++tg.kop == nkeys) {
      tg.kop = 0;
      ++tg.op;
    }
  };
  switch (tg.step) {
    case kFast:  // the lock-free fast path
      if (inc ? count > 0 : count > 1) {
        if (text)
          *text += fmt::format("{}({}): count {} -> {} (fast path)", fname, kname, count, count + (inc ? 1 : -1));
        count = static_cast<std::int8_t>(count + (inc ? 1 : -1));
        return done();
      }
      tg.step = kLock;
      if (text) *text += fmt::format("{}({}): count {}, takes the slow path", fname, kname, count);
      return;
    case kLock:
      s.mutex = static_cast<std::int8_t>(t);
      tg.step = kLocked;
      if (text) *text += "takes jump_label_mutex";
      return;
    case kLocked:
      if (inc ? count == 0 : count == 1) {
        if (text)
          *text += fmt::format("count {} -> {}, patches the {} sites of {}", count, inc ? -1 : 0,
                               keys_of_update(m, key), kname);
        count = inc ? -1 : 0;
        s.upd = Update{static_cast<std::int8_t>(key), static_cast<std::uint8_t>(inc), 0, kInt3, 0, 0};
        tg.step = kPatching;
        return;
      }
      if (!inc && count <= 0) v = Violation::dec_underflow;
      if (text) *text += fmt::format("count {} -> {}, releases jump_label_mutex", count, count + (inc ? 1 : -1));
      count = static_cast<std::int8_t>(count + (inc ? 1 : -1));
      s.mutex = -1;
      return done();
    case kPatching:
      if (update_step(m, s, v, text)) {
        if (inc) count = 1;
        s.upd = Update{};
        s.mutex = -1;
        if (text) *text += fmt::format("; {} done: count {}, releases jump_label_mutex", kname, count);
        return done();
      }
      return;
  }
}

}  // namespace

constexpr std::pair<Violation, const char*> kViolationNames[] = {
    {Violation::none, "none"},
    {Violation::torn_read, "torn read"},
    {Violation::mixed_insn, "mixed instruction"},
    {Violation::stray_int3, "stray int3"},
    {Violation::unexpected_bytes, "unexpected bytes"},
    {Violation::dec_underflow, "dec below zero"},
    {Violation::count_mismatch, "count and sites disagree"}};

const char* to_string(Violation v) noexcept { return pp::name_of(kViolationNames, v); }

std::string site_name(const Model& m, unsigned site) {
  const SiteDecl& d = m.sites[site];
  const std::string fn = d.fn < 4 ? kFunctions[d.fn] : fmt::format("reader_fn{}", d.fn);
  return fmt::format("the {} site in {} ({})", pp::name_of(kRoleNames, d.role), fn, m.cfg.strategy->keys[d.key]);
}

std::string cpu_name(unsigned reader) { return fmt::format("reader{}", reader); }

unsigned togglers(const Model& m) { return m.cfg.mixed_togglers ? 2 : 1; }

std::vector<int> program(const Model& m, unsigned t) {
  if (t == 0) return {m.cfg.enable ? +1 : -1};
  return {+1, -1};  // the second toggler: a round trip
}

State initial_state(const Model& m) {
  State s;
  s.seq = static_cast<std::uint8_t>(m.cfg.initial_seq);
  // Disabling starts from the enabled key, its sites JMPs.
  const bool on = !m.cfg.enable;
  for (std::size_t k = 0; k < m.cfg.strategy->keys.size(); ++k) s.count[k] = on ? 1 : 0;
  for (unsigned i = 0; i < m.sites.size(); ++i) s.mem[i] = insn_for(on);
  s.w.left = static_cast<std::uint8_t>(m.cfg.writes);
  for (unsigned i = 0; i < m.cfg.readers; ++i) s.r[i].view = s.mem;
  return s;
}

void successors(const Model& m, const State& s, const Emit& emit, std::string* text) {
  auto run = [&](Action a, auto&& fn) {
    State n = s;
    Violation v = Violation::none;
    if (text) text->clear();
    fn(n, v);
    emit(a, n, v);
  };
  const bool pending = s.upd.syncing != 0;
  for (unsigned i = 0; i < m.cfg.readers; ++i) {
    const Reader& r = s.r[i];
    const bool must_ack = pending && !(r.flags & kAcked);
    // With IRQs on, a pending IPI is taken before anything else.
    if (must_ack && (r.pc == kIdle || m.cfg.mutations.ack_with_irqs_off))
      run({Kind::reader_ack, static_cast<std::uint8_t>(i), 0}, [&](State& n, Violation&) {
        n.r[i].flags |= kAcked;
        n.r[i].view = n.mem;  // do_sync_core(): serialises
        if (text) *text = "takes the sync IPI: serialises, acknowledges";
      });
    if (!(must_ack && r.pc == kIdle))
      run({Kind::reader, static_cast<std::uint8_t>(i), 0},
          [&](State& n, Violation& v) { reader_step(m, n, i, v, text); });
    if (m.cfg.views != Views::coherent)
      for (unsigned site = 0; site < m.sites.size(); ++site)
        if (r.view[site] != s.mem[site])
          run({Kind::catch_up, static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(site)},
              [&](State& n, Violation&) {
                n.r[i].view[site] = n.mem[site];
                if (text) *text = fmt::format("refetches {}: now sees {}", site_name(m, site), bytes_text(n.mem[site]));
              });
  }
  if (pending && !s.w.acked && s.w.pc == kWIdle) {
    run({Kind::writer_ack, 0, 0}, [&](State& n, Violation&) {
      n.w.acked = 1;
      if (text) *text = "takes the sync IPI: serialises, acknowledges";
    });
  } else if (s.w.pc != kWIdle || s.w.left > 0) {
    run({Kind::writer, 0, 0}, [&](State& n, Violation&) { writer_step(n, text); });
    if (s.w.pc == kWIdle)
      run({Kind::writer_stop, 0, 0}, [&](State& n, Violation&) {
        n.w.left = 0;
        if (text) *text = "writes no more";
      });
  }
  for (unsigned t = 0; t < togglers(m); ++t) {
    const std::vector<int> prog = program(m, t);
    if (toggler_enabled(m, s, t, prog))
      run({Kind::toggler, static_cast<std::uint8_t>(t), 0},
          [&](State& n, Violation& v) { toggler_step(m, n, t, prog, v, text); });
  }
}

Violation check_state(const Model& m, const State& s) {
  if (s.mutex >= 0) return Violation::none;
  for (unsigned i = 0; i < m.sites.size(); ++i) {
    const int c = s.count[m.sites[i].key];
    if (c < 0 || s.mem[i] != insn_for(c > 0)) return Violation::count_mismatch;
  }
  return Violation::none;
}

}  // namespace pokebench::explore::detail
