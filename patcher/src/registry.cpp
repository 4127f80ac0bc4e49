// The jump tables of every module, decoded once into site records.
#include "internal.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace pokebench::patcher {
namespace detail {

Registry& registry() {
  // Function-local: modules register from constructors, possibly before this
  // library's own namespace-scope objects would be initialised.
  static Registry* r = new Registry;  // never destroyed: handlers may run at exit
  return *r;
}

Counters& counters() noexcept {
  static Counters c;
  return c;
}

SiteRecord* lookup_site(std::uintptr_t code) noexcept {
  // Acquire pairs with the release in publish_index_locked().
  const SiteIndex* idx = registry().index.load(std::memory_order_acquire);
  if (idx == nullptr) return nullptr;
  const auto& v = idx->by_address;
  auto it =
      std::lower_bound(v.begin(), v.end(), code, [](const SiteRecord* r, std::uintptr_t c) { return r->code < c; });
  return (it != v.end() && (*it)->code == code) ? *it : nullptr;
}

namespace {

template <class T>
std::uintptr_t self_relative(const T* field, std::int64_t offset) {
  return reinterpret_cast<std::uintptr_t>(field) + static_cast<std::uintptr_t>(offset);
}

void publish_index_locked(Registry& r) {
  auto* idx = new SiteIndex;
  idx->by_address = r.table;
  std::sort(idx->by_address.begin(), idx->by_address.end(),
            [](const SiteRecord* a, const SiteRecord* b) { return a->code < b->code; });
  const SiteIndex* old = r.index.exchange(idx, std::memory_order_acq_rel);
  if (old != nullptr) r.retired.push_back(old);  // a handler may still be reading it
}

}  // namespace

SiteInfo describe(const SiteRecord& rec, bool with_symbol) {
  SiteInfo s;
  s.code = reinterpret_cast<const void*>(rec.code);
  s.target = reinterpret_cast<const void*>(rec.target);
  s.key = rec.key;
  s.likely = rec.likely;
  s.tag = rec.tag;
  std::memcpy(s.bytes.data(), reinterpret_cast<const void*>(rec.code), kSiteSize);
  s.state = rec.poking() ? SiteState::poking : SiteState::idle;
  s.int3_hits = rec.int3_hits.load(std::memory_order_relaxed);
  s.table_index = rec.table_index;
  if (with_symbol) {
    const CodeSymbol sym = symbol_at(rec.code);
    s.function = reinterpret_cast<const void*>(sym.function);
    s.symbol = symbolize(sym);
  }
  return s;
}

}  // namespace detail

using namespace detail;

}  // namespace pokebench::patcher

extern "C" void pokebench_register_module(const pokebench_jump_entry* start, const pokebench_jump_entry* stop,
                                          const pokebench_site_tag_entry* tags_start,
                                          const pokebench_site_tag_entry* tags_stop) {
  using namespace pokebench::patcher;
  using namespace pokebench::patcher::detail;
  if (start == nullptr || start == stop) return;
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  const std::pair<const void*, const void*> mod{start, stop};
  if (std::find(r.modules.begin(), r.modules.end(), mod) != r.modules.end()) return;
  r.modules.push_back(mod);

  const std::size_t first = r.table.size();
  for (const jump_entry* e = start; e < stop; ++e) {
    auto* rec = new SiteRecord;
    rec->code = self_relative(&e->code, e->code);
    rec->target = self_relative(&e->target, e->target);
    const std::uintptr_t key_field = self_relative(&e->key, e->key);
    const std::uintptr_t key_addr = key_field & ~std::uintptr_t{3};
    rec->likely = (key_field & kJumpEntryBranch) != 0;
    rec->key = (key_field & kJumpEntryIndirect) != 0 ? *reinterpret_cast<static_key* const*>(key_addr)
                                                     : reinterpret_cast<static_key*>(key_addr);
    rec->table_index = r.table.size();
    r.table.push_back(rec);
    r.by_key[rec->key].push_back(rec);
  }
  for (const site_tag_entry* t = tags_start; t != nullptr && t < tags_stop; ++t) {
    const std::uintptr_t code = self_relative(&t->code, t->code);
    const char* tag = reinterpret_cast<const char*>(self_relative(&t->tag, t->tag));
    for (std::size_t i = first; i < r.table.size(); ++i)
      if (r.table[i]->code == code) r.table[i]->tag = tag;
  }
  publish_index_locked(r);
}

namespace pokebench::patcher {
using namespace detail;

std::vector<SiteInfo> sites_of(const static_key* key) {
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  std::vector<SiteInfo> out;
  auto it = r.by_key.find(key);
  if (it == r.by_key.end()) return out;
  for (const SiteRecord* rec : it->second) out.push_back(describe(*rec, true));
  return out;
}

std::vector<SiteInfo> all_sites() {
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  std::vector<SiteInfo> out;
  for (const SiteRecord* rec : r.table) out.push_back(describe(*rec, true));
  return out;
}

std::optional<SiteInfo> find_site(const void* code) {
  const SiteRecord* rec = lookup_site(reinterpret_cast<std::uintptr_t>(code));
  if (rec == nullptr) return std::nullopt;
  return describe(*rec, true);
}

Insn site_instruction(const SiteInfo& site, bool enabled) noexcept {
  // jump_label_type(): the site jumps exactly when enabled XOR likely.
  if (enabled == site.likely) return kNop5;
  Insn jmp{kJmp32};
  const auto rel = static_cast<std::int32_t>(reinterpret_cast<std::intptr_t>(site.target) -
                                             (reinterpret_cast<std::intptr_t>(site.code) + 5));
  std::memcpy(&jmp[1], &rel, sizeof rel);
  return jmp;
}

Stats stats() noexcept {
  Counters& c = counters();
  Stats s;
  s.updates = c.updates.load(std::memory_order_relaxed);
  s.sites_patched = c.sites_patched.load(std::memory_order_relaxed);
  s.syncs = c.syncs.load(std::memory_order_relaxed);
  s.writes = c.writes.load(std::memory_order_relaxed);
  s.write_windows = c.write_windows.load(std::memory_order_relaxed);
  s.bytes_written = c.bytes_written.load(std::memory_order_relaxed);
  s.int3_hits = c.int3_hits.load(std::memory_order_relaxed);
  s.int3_reexecuted = c.int3_reexecuted.load(std::memory_order_relaxed);
  s.stray_sigtraps = c.stray_sigtraps.load(std::memory_order_relaxed);
  s.cpus_lock_not_held = c.cpus_lock_not_held.load(std::memory_order_relaxed);
  return s;
}

void reset_stats() noexcept {
  Counters& c = counters();
  for (auto* a : {&c.updates, &c.sites_patched, &c.syncs, &c.writes, &c.write_windows, &c.bytes_written, &c.int3_hits,
                  &c.int3_reexecuted, &c.stray_sigtraps, &c.cpus_lock_not_held})
    a->store(0, std::memory_order_relaxed);
}

}  // namespace pokebench::patcher
