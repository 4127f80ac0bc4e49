// The userspace text_poke_bp: how a key change rewrites its sites.
//
// Protocol per site (docs/kernel.md §2-§4), v3.13 .. v4.19 and, batched, v5.3+:
//   Step 1: write int3 (0xcc) over byte 0;          sync
//   Step 2: write bytes 1..4 of the new instruction; sync
//   Step 3: write the new byte 0;                    sync
// "sync" = membarrier(PRIVATE_EXPEDITED_SYNC_CORE), then the pluggable
// every-CPU-acknowledges hook (the harness's on_each_cpu(do_sync_core, 1)).
// A thread that executes a site while its int3 is there traps into our SIGTRAP
// handler, which resumes it as the Int3Policy says.
#pragma once

#include <pokebench/patcher/static_key.hpp>
#include <pokebench/support/names.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pokebench::patcher {

inline constexpr std::size_t kSiteSize = 5;
using Insn = std::array<std::uint8_t, kSiteSize>;
inline constexpr Insn kNop5 = {0x0f, 0x1f, 0x44, 0x00, 0x00};
inline constexpr std::uint8_t kInt3 = 0xcc;
inline constexpr std::uint8_t kJmp32 = 0xe9;

// How the bytes are written.
enum class Backend {
  mprotect,  // page RX -> RWX -> RX around the write, never dropping X
  procmem,   // pwrite to /proc/self/mem; the page never becomes writable
};

// What the SIGTRAP handler does for a site whose int3 is in place.
enum class Int3Policy {
  skip,         // v4.x poke_int3_handler: resume at site+5 (the NOP), any direction
  emulate_new,  // v5.5+: execute the new instruction (NOP = jmp +0)
};

enum class ApplyMode {
  per_site,  // v4.x: each site fully patched (3 syncs) before the next
  batched,   // v5.3: all int3s, sync, all tails, sync, all heads, sync
};

enum class Order {
  table,
  address,
  reverse,
  random,
  tag_first,  // sites tagged Config::first_tag first, then the others; table order within each
  custom,
};

enum class Phase : std::uint8_t { int3 = 1, tail = 2, head = 3 };

enum class Step : std::uint8_t {
  before_write,  // the bytes of `phase` are about to be written to the site
  after_write,
  before_sync,  // the sync that ends `phase` is about to start (site = nullptr
  after_sync,   //   in batched mode, where one sync covers the whole batch)
};

// One name table per enum: to_string, parse_* and the CLI's choices read it.
inline constexpr std::pair<Backend, const char*> kBackendNames[] = {{Backend::mprotect, "mprotect"},
                                                                    {Backend::procmem, "procmem"}};
inline constexpr std::pair<Int3Policy, const char*> kInt3PolicyNames[] = {{Int3Policy::skip, "skip"},
                                                                          {Int3Policy::emulate_new, "emulate-new"}};
inline constexpr std::pair<ApplyMode, const char*> kApplyModeNames[] = {{ApplyMode::per_site, "per-site"},
                                                                        {ApplyMode::batched, "batched"}};
inline constexpr std::pair<Order, const char*> kOrderNames[] = {
    {Order::table, "table"},   {Order::address, "address"},     {Order::reverse, "reverse"},
    {Order::random, "random"}, {Order::tag_first, "tag-first"}, {Order::custom, "custom"}};

using support::name_of;
using support::parse_name;

const char* to_string(Backend) noexcept;
const char* to_string(Int3Policy) noexcept;
const char* to_string(ApplyMode) noexcept;
const char* to_string(Order) noexcept;
const char* to_string(Phase) noexcept;
const char* to_string(Step) noexcept;
std::optional<Backend> parse_backend(std::string_view) noexcept;
std::optional<Int3Policy> parse_int3_policy(std::string_view) noexcept;
std::optional<ApplyMode> parse_apply_mode(std::string_view) noexcept;
std::optional<Order> parse_order(std::string_view) noexcept;

// Where a site is in its life.
enum class SiteState : std::uint8_t { idle, poking };

// A snapshot of one site.
struct SiteInfo {
  const void* code = nullptr;
  const void* target = nullptr;
  const static_key* key = nullptr;
  bool likely = false;   // branch bit of the entry
  const char* tag = "";  // "" when untagged
  Insn bytes{};          // current bytes at `code`
  SiteState state = SiteState::idle;
  std::uint64_t int3_hits = 0;  // times a thread trapped on this site's int3
  // The function containing the site, from its module's ELF symbol table
  // (local functions included): "name+0xoff/0xsize", else "module+0xoff".
  std::string symbol;
  const void* function = nullptr;  // that function's start, nullptr if no symbol covers the site
  std::size_t table_index = 0;     // position in the (registration-ordered) table
};

// One protocol step, announced to the observer on the patching thread.
struct PatchEvent {
  const static_key* key = nullptr;
  bool enabling = false;           // key's new state
  const SiteInfo* site = nullptr;  // nullptr for batch-wide syncs
  std::size_t index = 0;           // position of the site in this update (0-based)
  std::size_t count = 0;           // sites in this update
  std::size_t batch = 0;           // batch number (per_site: == index)
  std::size_t batches = 0;
  Phase phase = Phase::int3;
  Step step = Step::before_write;
};

struct Config {
  Backend backend = Backend::procmem;
  Int3Policy int3 = Int3Policy::emulate_new;
  ApplyMode apply = ApplyMode::batched;
  Order order = Order::table;
  std::string first_tag;        // for Order::tag_first
  std::uint64_t seed = 1;       // Order::random: the permutation depends on seed and site count only
  std::size_t max_batch = 256;  // TP_VEC_MAX; batched only
  // Order::custom: given the key's sites in table order, return the order to
  // patch them in (a permutation of 0..n-1).
  std::function<std::vector<std::size_t>(const std::vector<SiteInfo>&)> custom_order;
  // Runs after membarrier in every sync: the harness's on_each_cpu(sync, wait=1).
  std::function<void()> cpu_sync;
  // Sees every protocol step (on the patching thread, text mutex held; the
  // event's site shows the bytes, state and int3 hits as they are now).
  std::function<void(const PatchEvent&)> observer;
  // The CPU hotplug lock of the machine the patch runs on, when one with
  // hotplug is attached (harness::CpuHotplug::patch_lock()). kernel/jump_label.c:
  // static_key_slow_inc() and friends take cpus_read_lock() around the whole
  // key change, so no CPU comes up or goes down between its syncs; the
  // _cpuslocked forms expect the caller to hold it (lockdep_assert_cpus_held()).
  // Empty: no hotplug, nothing to take.
  struct CpusLock {
    std::function<void()> read_lock, read_unlock;
    std::function<bool()> held;  // does the calling thread hold it (for reading or writing)?
    explicit operator bool() const noexcept { return read_lock && read_unlock && held; }
  };
  CpusLock cpus_lock;
  // Both hooks run with the patching mutex held: they may call sites_of(),
  // all_sites(), find_site() and stats() (none of which takes it), but must
  // not change a key or poke a site.
};

// Environment problems (backend refused, membarrier missing, ...): what
// failed, why, and what to do instead.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Key changes with an explicit policy: every site of the key is patched
// through `policy` (the caller's; nothing process-wide is consulted).
// static_key_slow_inc returns false (and warns) when the count would
// overflow, as v6.2+ does.
bool static_key_slow_inc(static_key* key, const Config& policy);
void static_key_slow_dec(static_key* key, const Config& policy);
void static_key_enable(static_key* key, const Config& policy);
void static_key_disable(static_key* key, const Config& policy);

// The same with the policy's CPU hotplug lock already held by the caller
// (kernel/jump_label.c's *_cpuslocked). When the policy has a cpus_lock and
// the caller does not hold it, the call is refused: it warns (WARN, counted),
// counts in Stats::cpus_lock_not_held and changes nothing (inc returns false).
bool static_key_slow_inc_cpuslocked(static_key* key, const Config& policy);
void static_key_slow_dec_cpuslocked(static_key* key, const Config& policy);
void static_key_enable_cpuslocked(static_key* key, const Config& policy);
void static_key_disable_cpuslocked(static_key* key, const Config& policy);

// The lock-free halves (v6.2 kernel/jump_label.c): count up unless the key is
// disabled, in transition (-1) or at INT_MAX; count down unless that would
// reach 0 (true also for an underflow, which warns). Neither ever patches.
bool static_key_fast_inc_not_disabled(static_key* key);
bool static_key_slow_try_dec(static_key* key);

// The kernel's jump_label_lock/unlock: the mutex every key change holds.
void jump_label_lock();
void jump_label_unlock();

// The policy that the kernel-spelled calls without one (static_branch_inc(),
// static_key_slow_inc(key), ...) patch with: the innermost ScopedPolicy alive
// on the calling thread, else a default-constructed Config. This is how code
// written against the kernel's API (which has no policy argument) is driven
// through a chosen protocol: the toggler binds the policy around the call.
class ScopedPolicy {
 public:
  explicit ScopedPolicy(const Config& policy) noexcept;
  ~ScopedPolicy();
  ScopedPolicy(const ScopedPolicy&) = delete;
  ScopedPolicy& operator=(const ScopedPolicy&) = delete;

 private:
  const Config* previous_;
};
// The policy in scope on this thread (see ScopedPolicy).
const Config& policy_in_scope() noexcept;

struct Stats {
  std::uint64_t updates = 0;  // key transitions that patched sites
  std::uint64_t sites_patched = 0;
  std::uint64_t syncs = 0;               // protocol syncs (membarrier + hook)
  std::uint64_t writes = 0;              // byte-range writes through the backend
  std::uint64_t write_windows = 0;       // mprotect: page runs made RWX and back; procmem: pwrite calls
  std::uint64_t bytes_written = 0;       // bytes stored into sites (int3, tails, heads)
  std::uint64_t int3_hits = 0;           // traps on our int3s, all sites
  std::uint64_t int3_reexecuted = 0;     // traps whose int3 was already gone: re-run
  std::uint64_t stray_sigtraps = 0;      // SIGTRAPs that were not ours (chained on)
  std::uint64_t cpus_lock_not_held = 0;  // _cpuslocked calls refused: the policy's cpus_lock was not held
};
Stats stats() noexcept;
void reset_stats() noexcept;

// Every registered site of `key`, in table order.
std::vector<SiteInfo> sites_of(const static_key* key);
// Every registered site.
std::vector<SiteInfo> all_sites();
// The site at `code`, if any.
std::optional<SiteInfo> find_site(const void* code);

// Patch one registered site to `to_jump` (true: JMP to its target, false:
// NOP) through the full protocol, without touching its key; nothing is written
// when it already holds that instruction. Throws Error if `code` is not the
// first byte of a registered site. For tests and the patch benchmarks.
void poke_site(const void* code, bool to_jump, const Config& policy = policy_in_scope());

// The instruction a site holds for a given key state: `enabled XOR likely`.
Insn site_instruction(const SiteInfo& site, bool enabled) noexcept;

// What this machine lets the patcher do.
struct Capabilities {
  bool membarrier_sync_core = false;  // registered and usable
  std::string membarrier_detail;
  bool mprotect_rwx = false;  // a text page can be made RWX
  std::string mprotect_detail;
  bool procmem_write = false;  // /proc/self/mem accepts writes to text
  std::string procmem_detail;
};
Capabilities probe_capabilities();

// Functional self-check: flips a probe key of the patcher's own through the
// given protocol and checks the site's bytes and its branch both ways.
// Returns "" on success, else what went wrong.
std::string self_check(Backend backend, Int3Policy policy, ApplyMode mode);

// Registers this process for membarrier SYNC_CORE; called by the library's
// constructor, again in a forked child, and harmless to call more. Returns
// false (with the reason in `why`) when the kernel refuses.
bool register_membarrier(std::string* why = nullptr) noexcept;

// The SIGTRAP handler is installed on first patch; call to install earlier.
void install_int3_handler();

}  // namespace pokebench::patcher
