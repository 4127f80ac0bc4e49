// Shared state of the patcher's translation units. Not installed.
#pragma once

#include <pokebench/patcher/patcher.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace pokebench::patcher::detail {

// One site, for the life of the process (never freed: the SIGTRAP handler may
// look at it at any moment without taking a lock).
struct SiteRecord {
  bool poking() const noexcept { return (poke_seq.load(std::memory_order_acquire) & 1u) != 0; }

  std::uintptr_t code = 0;
  std::uintptr_t target = 0;
  static_key* key = nullptr;
  bool likely = false;
  const char* tag = "";
  std::size_t table_index = 0;
  // A sequence count of this site's updates: made odd (release) before the
  // int3 goes in, even again (release) after the last sync; the SIGTRAP
  // handler reads it (acquire) around its look at the site's first byte.
  std::atomic<std::uint32_t> poke_seq{0};
  std::atomic<std::uint8_t> new_is_jump{0};
  std::atomic<std::uint64_t> int3_hits{0};
};

// Immutable once published; replaced (and the old one kept) when a module
// registers, so a handler holding the old pointer stays safe.
struct SiteIndex {
  std::vector<SiteRecord*> by_address;  // sorted by code
};

struct Registry {
  std::shared_mutex mutex;  // guards everything below but `index`
  std::vector<std::pair<const void*, const void*>> modules;
  std::vector<SiteRecord*> table;  // registration order
  std::unordered_map<const static_key*, std::vector<SiteRecord*>> by_key;
  std::vector<const SiteIndex*> retired;
  std::atomic<const SiteIndex*> index{nullptr};
};
Registry& registry();

// The SIGTRAP handler's lock-free lookup.
SiteRecord* lookup_site(std::uintptr_t code) noexcept;

SiteInfo describe(const SiteRecord& rec, bool with_symbol);

// The function holding a code address, from its module's ELF symbol table
// (symbols.cpp). Not for signal handlers: it may read a file.
struct CodeSymbol {
  std::uintptr_t addr = 0;
  std::uintptr_t function = 0;  // its start, 0 when no symbol covers the address
  std::size_t size = 0;
  std::string name;    // demangled
  std::string module;  // file name of the module, "" when no module holds the address
  std::uintptr_t module_offset = 0;
};
CodeSymbol symbol_at(std::uintptr_t addr);
// "function+0xoff/0xsize", else "module+0xoff", else "?".
std::string symbolize(const CodeSymbol& s);
std::string symbolize(std::uintptr_t addr);

// Counters, all relaxed: they are statistics, nothing is ordered by them.
struct Counters {
  std::atomic<std::uint64_t> updates{0}, sites_patched{0}, syncs{0}, writes{0}, write_windows{0}, bytes_written{0},
      int3_hits{0}, int3_reexecuted{0}, stray_sigtraps{0}, cpus_lock_not_held{0};
};
Counters& counters() noexcept;

// The int3 policy the handler applies, published with each update.
extern std::atomic<Int3Policy> g_int3_policy;

// Serialises all patching (the kernel's jump_label_mutex + text_mutex).
std::mutex& jump_label_mutex() noexcept;

// The writes of one protocol step, through one backend (text_poke.cpp).
// mprotect: the pages of every listed site are RWX from construction to
// close(); procmem: nothing to open, each write is a pwrite. Throws Error.
class PokeWindow {
 public:
  PokeWindow(Backend backend, const std::vector<std::uintptr_t>& sites);
  ~PokeWindow();
  PokeWindow(const PokeWindow&) = delete;
  PokeWindow& operator=(const PokeWindow&) = delete;
  void write(std::uintptr_t addr, const std::uint8_t* bytes, std::size_t len);
  void close();

 private:
  Backend backend_;
  bool open_ = false;
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> ranges_;  // page ranges made RWX
};

// membarrier SYNC_CORE (registering first if this process is not yet).
// The cpu_sync hook is the caller's to run after it. Throws Error.
void membarrier_sync_core();

void ensure_int3_handler();

// Patch the given sites (already ordered) to their `enabled` state.
void apply_update(const Config& cfg, const static_key* key, bool enabled, const std::vector<SiteRecord*>& sites);

}  // namespace pokebench::patcher::detail
