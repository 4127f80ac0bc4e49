// One state of the model and its transitions (step.cpp). Every field is a
// byte so that a state is its own hash key (encode()).
#pragma once

#include <pokebench/explore/model.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <string>

namespace pokebench::explore::detail {

// A site's bytes: the head (byte 0) and the tail (bytes 1..4), each as the
// instruction they belong to. head | tail << 2.
enum Head : std::uint8_t { kHeadNop = 0, kHeadInt3 = 1, kHeadJmp = 2 };
enum Tail : std::uint8_t { kTailNop = 0, kTailJmp = 1 };
constexpr std::uint8_t site_bytes(std::uint8_t head, std::uint8_t tail) { return head | tail << 2; }
constexpr std::uint8_t head_of(std::uint8_t b) { return b & 3; }
constexpr std::uint8_t tail_of(std::uint8_t b) { return b >> 2; }
constexpr std::uint8_t kNopBytes = site_bytes(kHeadNop, kTailNop);
constexpr std::uint8_t kJmpBytes = site_bytes(kHeadJmp, kTailJmp);
constexpr std::uint8_t insn_for(bool enabled) { return enabled ? kJmpBytes : kNopBytes; }

// The cookie begin returns when disabled in Babka's fix: never a sequence.
constexpr std::uint8_t kMarker = 0xff;

enum ReaderPc : std::uint8_t { kIdle, kBegin, kWalk0, kWalk1, kRetry };
enum ReaderFlag : std::uint8_t { kBeginRead = 1, kWasEnabled = 2, kAcked = 4 };

struct Reader {
  std::uint8_t pc = kIdle;
  std::uint8_t fn = 0;      // reader function whose loop runs
  std::uint8_t cookie = 0;  // what begin returned
  std::uint8_t flags = kAcked;
  std::uint8_t d0 = 0, d1 = 0;                 // the data words the walk read
  std::array<std::uint8_t, kMaxSites> view{};  // the bytes this CPU executes
};

enum WriterPc : std::uint8_t { kWIdle, kWOdd, kWWrote0, kWWrote1 };
struct Writer {
  std::uint8_t pc = kWIdle;
  std::uint8_t left = 0;  // writes it may still do
  std::uint8_t acked = 1;
};

enum KeyStep : std::uint8_t { kFast, kLock, kLocked, kPatching };
enum Phase : std::uint8_t { kInt3, kTailPhase, kHeadPhase };
struct Toggler {
  std::uint8_t op = 0;   // index into its program; == size: done
  std::uint8_t kop = 0;  // which key of the op
  std::uint8_t step = kFast;
};

// The text_poke_bp() in progress (at most one: jump_label_mutex).
struct Update {
  std::int8_t key = -1;  // -1: none
  std::uint8_t enabling = 0;
  std::uint8_t chunk = 0;  // first position (in patch order) of the batch
  std::uint8_t phase = kInt3;
  std::uint8_t i = 0;  // sites of the batch written in this phase
  std::uint8_t syncing = 0;
};

struct State {
  std::uint8_t seq = 0;
  std::array<std::uint8_t, 2> data{};
  std::array<std::int8_t, kMaxKeys> count{};
  std::int8_t mutex = -1;  // toggler holding jump_label_mutex
  Update upd;
  std::array<std::uint8_t, kMaxSites> mem{};
  Writer w;
  std::array<Toggler, 2> t{};
  std::array<Reader, kMaxReaders> r{};
};

enum class Kind : std::uint8_t { reader, reader_ack, catch_up, writer, writer_ack, writer_stop, toggler };
struct Action {
  Kind kind = Kind::reader;
  std::uint8_t who = 0;  // reader or toggler index
  std::uint8_t arg = 0;  // catch_up: the site; reader: 1 = refetches first; toggler: readers refetching first
  friend bool operator==(const Action&, const Action&) = default;
};

enum class Violation : std::uint8_t {
  none,
  torn_read,         // a checked loop exit with data from two different writes
  mixed_insn,        // a CPU executed old and new bytes of one site together
  stray_int3,        // an int3 with no update of its key in progress
  unexpected_bytes,  // the patcher found bytes it did not expect before a write
  dec_underflow,     // static_key_slow_dec on a count of 0
  count_mismatch,    // no update in progress, yet a site disagrees with its key's count
};
const char* to_string(Violation) noexcept;

// Program of toggler t: +1 inc, -1 dec.
std::vector<int> program(const Model& m, unsigned t);
State initial_state(const Model& m);
unsigned togglers(const Model& m);

// Calls emit(action, next, violation) for every transition; when `text` is
// set, each emit sees the step in the hang report's words there.
using Emit = std::function<void(const Action&, const State&, Violation)>;
void successors(const Model& m, const State& s, const Emit& emit, std::string* text = nullptr);

// The state-level invariant: no update in progress means every site holds
// the instruction of its key's count.
Violation check_state(const Model& m, const State& s);

// The canonical form (readers sorted: identical readers are symmetric) as
// bytes; `perm`, if set, gets canonical position -> reader index.
std::string encode(const Model& m, const State& s, std::array<std::uint8_t, kMaxReaders>* perm = nullptr);
State decode(const Model& m, const std::string& bytes);

// Hang check (search.cpp documents why this is the fair-cycle condition):
// returns true when `s` is a state from which a fair cycle leaves the
// patcher's sync waiting forever; `loop` gets the stuck reader's cycle.
bool hangs_forever(const Model& m, const State& s, std::string* loop);

std::string site_name(const Model& m, unsigned site);
std::string cpu_name(unsigned reader);

}  // namespace pokebench::explore::detail
