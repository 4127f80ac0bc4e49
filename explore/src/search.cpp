// Breadth-first exhaustive search, the fair-cycle condition for hangs, and
// counterexample traces replayed on concrete readers.
//
// Why the hang check is a state condition (explore/README.md, "Liveness"):
// every process but the readers only moves forward (the writer has a budget,
// each toggler a finite program, a sync's acknowledgements only accumulate,
// a view only catches up with memory), so in any cycle of the state graph
// only readers take steps, and the shared state is frozen. Weak fairness
// (a process enabled forever eventually steps) then demands that the writer
// and every toggler be disabled along the cycle, that no CPU still have an
// IPI to take with IRQs on, and, for eventual views, that no view be stale.
// Readers do not write shared state, so each evolves alone and
// deterministically; the patcher's sync waits forever exactly when every
// reader that has not acknowledged repeats a local state without ever
// turning IRQs on. hangs_forever() checks that in each state.
#include <pokebench/explore/search.hpp>

#include "state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <set>
#include <string_view>
#include <unordered_map>

namespace pokebench::explore {

const char* to_string(Verdict v) noexcept { return patcher::name_of(kVerdictNames, v); }

namespace detail {

namespace {
// Reader i's next step with everything else frozen (text: in words).
State reader_alone(const Model& m, const State& s, unsigned i, std::string* text) {
  State next = s;
  std::string buf;
  successors(
      m, s,
      [&](const Action& a, const State& n, Violation) {
        if (a.kind != Kind::reader || a.who != i || a.arg != 0) return;
        next = n;
        if (text) *text = buf;
      },
      text ? &buf : nullptr);
  return next;
}
}  // namespace

bool hangs_forever(const Model& m, const State& stale, std::string* loop) {
  if (!stale.upd.syncing || m.cfg.mutations.sync_without_acks) return false;
  // Eventual views with reduced refetches: a stale view has no step of its
  // own, but the unreduced model reaches this state with every view caught
  // up (each refetch is enabled until taken), and only there can a fair
  // cycle start; so that is the state to judge.
  State s = stale;
  if (m.cfg.views == Views::eventual && m.cfg.reduce_refetches)
    for (unsigned i = 0; i < m.cfg.readers; ++i) s.r[i].view = s.mem;
  bool others_move = false;
  successors(m, s, [&](const Action& a, const State&, Violation) {
    if (a.kind != Kind::reader && !(a.kind == Kind::catch_up && m.cfg.views == Views::sdm)) others_move = true;
  });
  if (others_move) return false;
  bool any = false;
  for (unsigned i = 0; i < m.cfg.readers; ++i) {
    if (s.r[i].flags & kAcked) continue;
    // Reader i alone: does it come back to a local state without turning IRQs on?
    State x = s;
    std::vector<std::string> order;
    for (;;) {
      if (x.r[i].pc == kIdle) return false;
      std::string key(reinterpret_cast<const char*>(&x.r[i]), sizeof x.r[i]);
      const auto again = std::find(order.begin(), order.end(), key);
      if (again != order.end()) {
        if (loop && !any) {  // the steps of the cycle, from its first state
          for (auto k = again; k != order.end(); ++k) {
            std::string text;
            x = reader_alone(m, x, i, &text);
            *loop += cpu_name(i) + ": " + text + "\n";
          }
        }
        break;
      }
      order.push_back(std::move(key));
      x = reader_alone(m, x, i, nullptr);
    }
    any = true;
  }
  return any;
}

}  // namespace detail

namespace {

using namespace detail;

struct Graph {
  std::deque<std::string> states;
  std::unordered_map<std::string_view, std::uint32_t> index;
  std::vector<std::uint32_t> parent;
  std::vector<Action> via;
  std::vector<std::uint32_t> depth;
};

std::vector<Action> path_to(const Graph& g, std::uint32_t id) {
  std::vector<Action> p;
  for (; id != 0; id = g.parent[id]) p.push_back(g.via[id]);
  return {p.rbegin(), p.rend()};
}

std::string actor(const Model& m, const Action& a, unsigned reader) {
  switch (a.kind) {
    case Kind::reader:
    case Kind::reader_ack:
    case Kind::catch_up:
      return cpu_name(reader);
    case Kind::writer:
    case Kind::writer_ack:
    case Kind::writer_stop:
      return "writer";
    case Kind::toggler:
      return togglers(m) > 1 ? fmt::format("toggler{}", a.who) : "toggler";
  }
  return "?";
}

// Replays canonical actions on concrete readers, so that "reader1" is the
// same CPU in every line.
// Also counts the protocol writes (every one changes a site's bytes) and,
// per reader, those done before its latest turn of IRQs off.
struct Replayed {
  std::vector<std::string> lines;
  std::uint64_t writes = 0;
  std::array<std::uint64_t, kMaxReaders> writes_before_irqoff{};
};
Replayed replay(const Model& m, const std::vector<Action>& path, State& x,
                std::array<std::uint8_t, kMaxReaders>& perm) {
  Replayed out;
  std::vector<std::string>& lines = out.lines;
  x = initial_state(m);
  for (const Action& canon : path) {
    encode(m, x, &perm);
    Action a = canon;
    const bool is_reader = a.kind == Kind::reader || a.kind == Kind::reader_ack || a.kind == Kind::catch_up;
    if (is_reader) a.who = perm[canon.who];
    if (a.kind == Kind::toggler && canon.arg != 0) {  // the readers that refetch first
      a.arg = 0;
      for (unsigned b = 0; b < m.cfg.readers; ++b)
        if (canon.arg >> b & 1) a.arg = static_cast<std::uint8_t>(a.arg | 1u << perm[b]);
    }
    std::string text, line;
    State next = x;
    successors(
        m, x,
        [&](const Action& b, const State& n, Violation) {
          if (b == a) next = n, line = text;
        },
        &text);
    lines.push_back(fmt::format("{:>3}. {}: {}", lines.size() + 1, actor(m, a, a.who), line));
    if (a.kind == Kind::toggler && next.mem != x.mem) ++out.writes;
    if (a.kind == Kind::reader && x.r[a.who].pc == kIdle && next.r[a.who].pc != kIdle)
      out.writes_before_irqoff[a.who] = out.writes;
    x = next;
  }
  encode(m, x, &perm);
  return out;
}

}  // namespace

Result explore(const Model& m, const Limits& limits, const Progress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  Result res;
  Graph g;
  auto add = [&](std::string bytes, std::uint32_t parent, Action via, std::uint32_t depth) -> bool {
    if (g.index.count(bytes)) return false;
    g.states.push_back(std::move(bytes));
    g.index.emplace(g.states.back(), static_cast<std::uint32_t>(g.states.size() - 1));
    g.parent.push_back(parent);
    g.via.push_back(via);
    g.depth.push_back(depth);
    return true;
  };
  add(encode(m, initial_state(m)), 0, {}, 0);
  std::set<std::string> kinds_seen;  // one counterexample per kind and summary
  auto record = [&](std::uint32_t at, const Action* last, Violation v, const std::string& loop_text) {
    Counterexample c;
    c.kind = v == Violation::none ? "hang" : to_string(v);
    std::vector<Action> p = path_to(g, at);
    if (last) p.push_back(*last);
    State x;
    std::array<std::uint8_t, kMaxReaders> perm{};
    Replayed rp = replay(m, p, x, perm);
    c.steps = std::move(rp.lines);
    c.writes = rp.writes;
    if (v == Violation::none) {
      std::string who;
      for (unsigned i = 0; i < m.cfg.readers; ++i) {
        if (x.r[i].flags & kAcked) continue;
        if (who.empty()) c.stuck_reader = i, c.writes_before_irqoff = rp.writes_before_irqoff[i];
        who += (who.empty() ? "" : ", ") + cpu_name(i);
      }
      std::string lp;
      for (char ch : loop_text) {
        if (ch != '\n') {
          lp += ch;
          continue;
        }
        c.loop.push_back(lp);
        lp.clear();
      }
      c.summary = fmt::format("{} spin(s) with IRQs off and never acknowledge; the {} sync waits forever", who,
                              x.upd.phase == 0   ? "int3"
                              : x.upd.phase == 1 ? "tail"
                                                 : "head");
    } else {
      c.summary = c.steps.empty() ? c.kind : c.kind + " at step " + std::to_string(c.steps.size());
    }
    if (!kinds_seen.insert(c.kind + c.summary).second) return;
    res.counterexamples.push_back(std::move(c));
  };
  auto enough = [&] { return res.counterexamples.size() >= limits.max_counterexamples; };
  for (std::uint32_t id = 0; id < g.states.size() && !enough(); ++id) {
    const State s = decode(m, g.states[id]);
    res.depth = g.depth[id];
    if (s.upd.syncing) {
      std::string loop;
      if (hangs_forever(m, s, &loop)) {
        record(id, nullptr, Violation::none, loop);
        continue;  // a hang found here: its successors only repeat it
      }
    }
    successors(m, s, [&](const Action& a, const State& n, Violation v) {
      ++res.transitions;
      if (enough()) return;
      if (v == Violation::none) v = check_state(m, n);
      if (v != Violation::none) return record(id, &a, v, {});
      if (g.states.size() >= limits.max_states) {
        res.limit_reached = true;
        return;
      }
      add(encode(m, n), id, a, g.depth[id] + 1);
    });
    if (progress && (id & 0xffff) == 0xffff) progress(g.states.size());
    if (res.limit_reached) break;
  }
  res.states = g.states.size();
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  bool hang = false, unsafe = false;
  for (const Counterexample& c : res.counterexamples) (c.kind == "hang" ? hang : unsafe) = true;
  res.verdict = hang ? Verdict::hang : unsafe ? Verdict::unsafe : res.limit_reached ? Verdict::incomplete : Verdict::ok;
  return res;
}

double estimate_states(const ModelConfig& c, const Limits& limits) {
  // Readers share the rest of the state and are interchangeable: about the
  // one-reader count to the power of the readers, over readers! (measured:
  // 50 to 200 times the real count at two readers, an upper bound).
  ModelConfig one = c;
  one.readers = 1;
  // The pilot is bounded too: a one-reader count at its limit is a lower
  // bound, which is all a refusal needs.
  Limits pilot = limits;
  pilot.max_states = std::min<std::uint64_t>(limits.max_states, 100'000);
  pilot.max_counterexamples = ~std::size_t{0};
  const double n1 = static_cast<double>(explore(make_model(one), pilot).states);
  double est = 1;
  for (unsigned k = 1; k <= c.readers; ++k) est = est * n1 / k;
  return est;
}

}  // namespace pokebench::explore
