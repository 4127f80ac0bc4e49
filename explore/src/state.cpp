// The state's own functions: the initial state, the state invariant, the
// togglers' programs and the names of violations and CPUs.
#include "state.hpp"

#include <fmt/format.h>

namespace pokebench::explore::detail {

const char* to_string(Violation v) noexcept {
  switch (v) {
    case Violation::none:
      return "none";
    case Violation::torn_read:
      return "torn read";
    case Violation::mixed_insn:
      return "mixed instruction";
    case Violation::stray_int3:
      return "stray int3";
    case Violation::unexpected_bytes:
      return "unexpected bytes";
    case Violation::dec_underflow:
      return "dec below zero";
    case Violation::count_mismatch:
      return "count and sites disagree";
  }
  return "?";
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

Violation check_state(const Model& m, const State& s) {
  if (s.mutex >= 0) return Violation::none;
  for (unsigned i = 0; i < m.sites.size(); ++i) {
    const int c = s.count[m.sites[i].key];
    if (c < 0 || s.mem[i] != insn_for(c > 0)) return Violation::count_mismatch;
  }
  return Violation::none;
}

}  // namespace pokebench::explore::detail
