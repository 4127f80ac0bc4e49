// The model of the patching protocol that `pokebench explore` searches: the
// kernel's steps as transitions (docs/kernel.md §1-§8, explore/README.md).
//
// Processes (each an x86 CPU in the kernel's story):
//   readers   get_any_partial(): IRQs off, then one begin/retry loop per reader
//             function, then IRQs on. Each executes sites through its own
//             view of the code, which may lag memory until it serialises.
//   writer    set_mems_allowed(): IRQs off, seq odd, two data words, seq even.
//   togglers  cpuset_inc / cpuset_dec: static_key_slow_inc/dec as
//             patcher/src/jump_label.cpp does them, and text_poke_bp as
//             patcher/src/text_poke_bp.cpp does it (int3, sync, tail, sync,
//             head, sync; per site or per batch; the patcher's orders).
// A sync completes when every CPU has acknowledged it; a CPU acknowledges
// only with IRQs on, and acknowledging serialises it (its view := memory).
//
// Nothing here knows which strategy is a fix: the search finds out.
#pragma once

#include <pokebench/patcher/patcher.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pokebench::explore {

inline constexpr unsigned kMaxReaders = 6;
inline constexpr unsigned kMaxSites = 16;  // all keys together
inline constexpr unsigned kMaxKeys = 2;

// ---- the reader code of a strategy, as data ------------------------------------
// What read_mems_allowed_begin() does once its site has said "enabled".
enum class BeginOn : std::uint8_t {
  wait_even,  // read_seqcount_begin: spin while odd, return the sequence
  raw,        // raw_read_seqcount: return it even when odd (negative control)
};
// What begin returns when its site says "disabled".
enum class OffCookie : std::uint8_t { zero, disabled_marker /* -1 */ };
// What read_mems_allowed_retry() tests before (or instead of) its site.
enum class RetryGuard : std::uint8_t {
  none,
  disabled_marker,  // cookie == -1: return false before the site
  cached_flag,      // cookie.was_enabled == false: return false; no retry site at all
};

struct StrategyModel {
  const char* name = "";
  const char* help = "";
  std::vector<const char*> keys;  // kernel names, in the order cpuset_inc() changes them
  int begin_key = 0;              // key the begin site tests
  BeginOn begin_on = BeginOn::wait_even;
  OffCookie off_cookie = OffCookie::zero;
  RetryGuard guard = RetryGuard::none;
  int retry_key = 0;  // key the retry site tests; -1: retry has no site
  patcher::ApplyMode apply = patcher::ApplyMode::per_site;
  bool negative_control = false;  // not listed; tests only
};

// Every modelled strategy; negative controls last. Their reader code
// corresponds to harness/include/pokebench/harness/cpuset.hpp (README.md).
const std::vector<StrategyModel>& strategies();
const StrategyModel* find_strategy(std::string_view name);

// ---- a configuration ---------------------------------------------------------
enum class Role : std::uint8_t { begin, retry };
inline constexpr std::pair<Role, const char*> kRoleNames[] = {{Role::begin, "begin"}, {Role::retry, "retry"}};

// One static branch site: which key, which reader function, which half.
struct SiteDecl {
  int key = 0;
  unsigned fn = 0;
  Role role = Role::begin;
  std::size_t address = 0;  // rank of its code address (Order::address)
};

// How stale a CPU's view of code may stay (docs/kernel.md §2).
enum class Views {
  eventual,  // stale until serialised or until the CPU refetches (fair: it does, eventually)
  sdm,       // the SDM's letter: may stay stale until the CPU serialises, however long
  coherent,  // every fetch sees memory (no staleness at all)
};
inline constexpr std::pair<Views, const char*> kViewsNames[] = {
    {Views::eventual, "eventual"}, {Views::sdm, "sdm"}, {Views::coherent, "coherent"}};

// Deliberately broken model properties, for negative controls.
struct Mutations {
  bool sync_without_acks = false;  // the sync completes without waiting for any acknowledgement
  bool ack_with_irqs_off = false;  // a CPU acknowledges even with IRQs off
};

struct ModelConfig {
  const StrategyModel* strategy = nullptr;
  unsigned readers = 1;
  unsigned functions = 1;  // reader functions; each holds a begin and (maybe) a retry site per key
  bool enable = true;      // the transition: cpuset_inc (true) or cpuset_dec
  patcher::Order order = patcher::Order::table;
  std::string first_tag;   // Order::tag_first: "begin" or "retry"
  std::uint64_t seed = 1;  // Order::random, as the patcher shuffles
  patcher::Int3Policy int3 = patcher::Int3Policy::skip;
  patcher::ApplyMode apply = patcher::ApplyMode::per_site;
  std::size_t batch_size = 256;
  unsigned writes = 1;          // the writer's budget of set_mems_allowed() (it may stop early)
  unsigned initial_seq = 2;     // even; a booted kernel's is nonzero
  bool mixed_togglers = false;  // a second toggler runs the opposite round trip concurrently
  Views views = Views::eventual;
  // With eventual views, explore a refetch only where it can change what a
  // CPU executes: as part of the step that executes the site, or just before
  // the patcher overwrites it (step.cpp, "Refetches"). False: a refetch of
  // any stale site at any time, as its own step (the same verdicts, more
  // states; tests compare the two).
  bool reduce_refetches = true;
  Mutations mutations;
  // Sites in table order; empty: the default layout (each function's begin
  // site, then its retry site; addresses in the same order).
  std::vector<SiteDecl> layout;
};

// The configuration with its layout filled and its patch order per key.
struct Model {
  ModelConfig cfg;
  std::vector<SiteDecl> sites;
  std::array<std::vector<unsigned>, kMaxKeys> patch_order;  // site indices, per key
  unsigned cpus() const { return cfg.readers + 1; }         // readers and the writer ack syncs
};

// Checks the configuration; returns what is wrong and how to fix it, or "".
std::string validate(const ModelConfig&);
// Builds the model (call validate first).
Model make_model(const ModelConfig&);
// One line naming the configuration ("strategy=per-site readers=1 ...").
std::string describe(const ModelConfig&);

// The orders a matrix covers: the patcher's table, address, reverse and
// random, and tag-first for each half (begin-first, retry-first).
struct OrderChoice {
  patcher::Order order = patcher::Order::table;
  std::string first_tag;
};
std::vector<OrderChoice> matrix_orders();
std::string to_string(const OrderChoice&);
// "table", "address", "reverse", "random", "begin-first", "retry-first".
std::optional<OrderChoice> parse_order(std::string_view);

// Every configuration of `base` over both directions, every order, both
// int3 policies, 1..max_readers readers and 1..max_sites functions (fields
// of `base` the caller fixed are passed as one-element lists).
struct MatrixAxes {
  std::vector<bool> enable{true, false};
  std::vector<OrderChoice> orders = matrix_orders();
  std::vector<patcher::Int3Policy> int3{patcher::Int3Policy::skip, patcher::Int3Policy::emulate_new};
  std::vector<unsigned> readers{1, 2};
  std::vector<unsigned> functions{1, 2};
};
std::vector<ModelConfig> matrix(const ModelConfig& base, const MatrixAxes& axes);

}  // namespace pokebench::explore
