// The state's own functions: the initial state, the state invariant, the
// togglers' programs and the names of violations and CPUs.
#include "state.hpp"

#include <fmt/format.h>

namespace pokebench::explore::detail {

constexpr std::pair<Violation, const char*> kViolationNames[] = {
    {Violation::none, "none"},
    {Violation::torn_read, "torn read"},
    {Violation::mixed_insn, "mixed instruction"},
    {Violation::stray_int3, "stray int3"},
    {Violation::unexpected_bytes, "unexpected bytes"},
    {Violation::dec_underflow, "dec below zero"},
    {Violation::count_mismatch, "count and sites disagree"}};

const char* to_string(Violation v) noexcept { return patcher::name_of(kViolationNames, v); }

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
