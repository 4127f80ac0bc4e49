// text_poke_bp: rewriting sites that other threads may be executing.
//
// For each site (per_site, v3.13..v4.19) or each batch of sites (batched,
// v5.3 text_poke_bp_batch):
//   Step 1: write int3 over byte 0 of every site;         sync
//   Step 2: write bytes 1..4 of every new instruction;    sync
//   Step 3: write byte 0 of every new instruction;        sync
// While an int3 is in place, a thread executing the site traps into
// int3_handler.cpp, which resumes it as the Int3Policy says. Before every
// write the expected bytes are checked, after it they are read back; a
// mismatch means someone else changed the code under us, and we abort.
#include "internal.hpp"

#include <pokebench/support/diagnostics.hpp>
#include <pokebench/support/hex.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>

#include <fmt/format.h>

namespace pokebench::patcher {
namespace detail {
namespace {

// Innermost ScopedPolicy of this thread; nullptr: the default Config.
thread_local const Config* t_policy = nullptr;

[[noreturn]] void die_mismatch(const SiteRecord& rec, Phase phase, const char* when, const std::uint8_t* expected,
                               std::size_t offset, std::size_t len) {
  const auto* actual = reinterpret_cast<const std::uint8_t*>(rec.code) + offset;
  support::fatal(
      "text_poke_bp {} check failed at {:#x} (bytes {}..{} of the site in {}, key {}, tag '{}'), phase {} ({}): "
      "expected {}, actual {}",
      when, rec.code + offset, offset, offset + len - 1, symbolize(rec.code), static_cast<const void*>(rec.key),
      rec.tag, static_cast<int>(phase), to_string(phase), support::hex_bytes(expected, len),
      support::hex_bytes(actual, len));
  std::abort();
}

void expect_bytes(const SiteRecord& rec, Phase phase, const char* when, const std::uint8_t* expected,
                  std::size_t offset, std::size_t len) {
  if (std::memcmp(reinterpret_cast<const void*>(rec.code + offset), expected, len) != 0)
    die_mismatch(rec, phase, when, expected, offset, len);
}

struct Poke {
  SiteRecord* rec;
  Insn old_insn;
  Insn new_insn;
  SiteInfo info;  // what the observer sees
};

class Update {
 public:
  Update(const Config& cfg, const static_key* key, bool enabled, std::vector<Poke>& pokes)
      : cfg_(cfg), key_(key), enabled_(enabled), pokes_(pokes) {}

  void per_site() {
    for (std::size_t i = 0; i < pokes_.size(); ++i) run_batch(i, i + 1, i, pokes_.size());
  }

  void batched() {
    const std::size_t max = std::max<std::size_t>(cfg_.max_batch, 1);
    const std::size_t batches = (pokes_.size() + max - 1) / max;
    for (std::size_t b = 0; b < batches; ++b) run_batch(b * max, std::min(pokes_.size(), (b + 1) * max), b, batches);
  }

 private:
  void run_batch(std::size_t begin, std::size_t end, std::size_t batch, std::size_t batches) {
    batch_ = batch;
    batches_ = batches;
    std::vector<std::uintptr_t> sites;
    for (std::size_t i = begin; i < end; ++i) sites.push_back(pokes_[i].rec->code);
    for (std::size_t i = begin; i < end; ++i) start_poking(pokes_[i]);
    // Steps 1 to 3 (the file's opening comment): each phase writes every
    // site of the batch through one window, then syncs.
    for (const Phase phase : {Phase::int3, Phase::tail, Phase::head}) {
      {
        PokeWindow w(cfg_.backend, sites);
        for (std::size_t i = begin; i < end; ++i) write_site(w, i, phase);
        w.close();
      }
      sync(phase, begin, end);
    }
    for (std::size_t i = begin; i < end; ++i) finish_poking(pokes_[i]);
  }

  static void start_poking(Poke& p) {
    // Release: the handler that sees the odd count also sees new_is_jump.
    // The int3 is written after this store (by a later syscall, or a store
    // through the RWX window; x86 keeps stores in order), so a handler that
    // reads the int3 and then the count sees it odd or moved on.
    p.rec->new_is_jump.store(p.new_insn[0] == kJmp32 ? 1 : 0, std::memory_order_relaxed);
    p.rec->poke_seq.store(p.rec->poke_seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
  static void finish_poking(Poke& p) {
    // Release after the last sync: a handler that sees the count even again
    // also sees the final bytes (and re-executes the site).
    p.rec->poke_seq.store(p.rec->poke_seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    counters().sites_patched.fetch_add(1, std::memory_order_relaxed);
  }

  // Bytes of a site: `len` of them from `data`, at `offset` in the site.
  struct Bytes {
    const std::uint8_t* data;
    std::size_t offset, len;
  };
  // What one phase does to one site: the bytes it expects before, the ones
  // it writes, the ones it reads back after.
  struct PhaseBytes {
    std::array<Bytes, 2> before;
    std::size_t nbefore;
    Bytes write, after;
  };
  static PhaseBytes phase_bytes(const Poke& p, Phase phase) {
    const std::uint8_t* old_insn = p.old_insn.data();
    const std::uint8_t* new_insn = p.new_insn.data();
    const Bytes int3{&kInt3, 0, 1};
    switch (phase) {
      case Phase::int3:  // the int3 over byte 0 of the old instruction
        return {{Bytes{old_insn, 0, kSiteSize}}, 1, int3, int3};
      case Phase::tail:  // the new tail behind the int3
        return {{int3, Bytes{old_insn + 1, 1, kSiteSize - 1}},
                2,
                Bytes{new_insn + 1, 1, kSiteSize - 1},
                Bytes{new_insn + 1, 1, kSiteSize - 1}};
      case Phase::head:  // the new byte 0 in place of the int3: the new instruction whole
        break;
    }
    return {{int3, Bytes{new_insn + 1, 1, kSiteSize - 1}}, 2, Bytes{new_insn, 0, 1}, Bytes{new_insn, 0, kSiteSize}};
  }

  void write_site(PokeWindow& w, std::size_t i, Phase phase) {
    const Poke& p = pokes_[i];
    const PhaseBytes b = phase_bytes(p, phase);
    for (std::size_t k = 0; k < b.nbefore; ++k)
      expect_bytes(*p.rec, phase, "pre-write", b.before[k].data, b.before[k].offset, b.before[k].len);
    announce(i, phase, Step::before_write);
    w.write(p.rec->code + b.write.offset, b.write.data, b.write.len);
    expect_bytes(*p.rec, phase, "read-back", b.after.data, b.after.offset, b.after.len);
    announce(i, phase, Step::after_write);
  }

  void sync(Phase phase, std::size_t begin, std::size_t end) {
    // per_site: the sync belongs to that site; batched: to the whole batch.
    const std::size_t idx = end - begin == 1 ? begin : kNoSite;
    announce(idx, phase, Step::before_sync);
    membarrier_sync_core();
    if (cfg_.cpu_sync) cfg_.cpu_sync();
    counters().syncs.fetch_add(1, std::memory_order_relaxed);
    announce(idx, phase, Step::after_sync);
  }

  void announce(std::size_t i, Phase phase, Step step) {
    if (!cfg_.observer) return;
    PatchEvent ev;
    ev.key = key_;
    ev.enabling = enabled_;
    ev.site = i == kNoSite ? nullptr : &pokes_[i].info;
    ev.index = i == kNoSite ? 0 : i;
    ev.count = pokes_.size();
    ev.batch = batch_;
    ev.batches = batches_;
    ev.phase = phase;
    ev.step = step;
    if (ev.site != nullptr) {
      // The observer sees the site as it is now, not as it was at the start.
      SiteInfo& info = pokes_[i].info;
      std::memcpy(info.bytes.data(), info.code, kSiteSize);
      info.state = step == Step::after_sync && phase == Phase::head ? SiteState::idle : SiteState::poking;
      info.int3_hits = pokes_[i].rec->int3_hits.load(std::memory_order_relaxed);
    }
    cfg_.observer(ev);
  }

  static constexpr std::size_t kNoSite = static_cast<std::size_t>(-1);
  const Config& cfg_;
  const static_key* key_;
  bool enabled_;
  std::vector<Poke>& pokes_;
  std::size_t batch_ = 0, batches_ = 0;
};

std::vector<std::size_t> patch_order(const Config& cfg, const std::vector<Poke>& pokes) {
  std::vector<std::size_t> order(pokes.size());
  std::iota(order.begin(), order.end(), 0);
  switch (cfg.order) {
    case Order::table:
      break;
    case Order::address:
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return pokes[a].rec->code < pokes[b].rec->code; });
      break;
    case Order::reverse:
      std::reverse(order.begin(), order.end());
      break;
    case Order::random: {
      // Seeded per update: the same seed gives the same order every time.
      std::mt19937_64 rng(cfg.seed);
      std::shuffle(order.begin(), order.end(), rng);
      break;
    }
    case Order::tag_first:
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return (cfg.first_tag == pokes[a].rec->tag) > (cfg.first_tag == pokes[b].rec->tag);
      });
      break;
    case Order::custom: {
      if (!cfg.custom_order) throw Error("Order::custom needs Config::custom_order");
      std::vector<SiteInfo> infos;
      infos.reserve(pokes.size());
      for (const Poke& p : pokes) infos.push_back(p.info);
      order = cfg.custom_order(infos);
      std::vector<std::size_t> check = order;
      std::sort(check.begin(), check.end());
      for (std::size_t i = 0; i < check.size(); ++i)
        if (check.size() != pokes.size() || check[i] != i)
          throw Error("Config::custom_order must return a permutation of the site indices");
      break;
    }
  }
  return order;
}

}  // namespace

void apply_update(const Config& cfg, const static_key* key, bool enabled, const std::vector<SiteRecord*>& sites) {
  if (sites.empty()) return;
  ensure_int3_handler();
  g_int3_policy.store(cfg.int3, std::memory_order_relaxed);  // ordered by the poking release

  std::vector<Poke> table;
  table.reserve(sites.size());
  for (SiteRecord* rec : sites) {
    Poke p{rec, {}, {}, describe(*rec, false)};
    p.old_insn = site_instruction(p.info, !enabled);
    p.new_insn = site_instruction(p.info, enabled);
    table.push_back(std::move(p));
  }
  std::vector<Poke> pokes;
  pokes.reserve(table.size());
  for (std::size_t i : patch_order(cfg, table)) pokes.push_back(std::move(table[i]));

  Update update(cfg, key, enabled, pokes);
  if (cfg.apply == ApplyMode::per_site)
    update.per_site();
  else
    update.batched();
  counters().updates.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace detail

using namespace detail;

ScopedPolicy::ScopedPolicy(const Config& policy) noexcept : previous_(t_policy) { t_policy = &policy; }
ScopedPolicy::~ScopedPolicy() { t_policy = previous_; }

const Config& policy_in_scope() noexcept {
  static const Config kDefault;
  return t_policy != nullptr ? *t_policy : kDefault;
}

std::mutex& detail::jump_label_mutex() noexcept {
  static std::mutex m;
  return m;
}

void poke_site(const void* code, bool to_jump, const Config& policy) {
  SiteRecord* rec = lookup_site(reinterpret_cast<std::uintptr_t>(code));
  if (rec == nullptr)
    throw Error(fmt::format("{} is not a registered static branch site ({}); refusing to patch it", code,
                            symbolize(reinterpret_cast<std::uintptr_t>(code))));
  std::lock_guard lock(jump_label_mutex());
  // The key state that gives `to_jump` at this site: enabled XOR likely.
  const bool enabled = to_jump != rec->likely;
  const SiteInfo info = describe(*rec, false);
  if (info.bytes == site_instruction(info, enabled)) return;  // already there
  apply_update(policy, rec->key, enabled, {rec});
}

}  // namespace pokebench::patcher
