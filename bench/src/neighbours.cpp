// The kernel's neighbours of the seqcount (neighbours.hpp), written on the
// kernel's own headers: <linux/seqlock.h> for seqlock_t and seqcount_latch_t,
// <linux/spinlock.h> for the spinlocks. Readers run on the benchmark thread,
// not a vCPU: the seqcount reader hook is left out (it is for kernel-C
// scenarios, and costs a call). No harness header here: its cpu_relax() and
// local_irq_save() would meet the kernel headers' macros of those names.
#define POKEBENCH_KERNEL_NO_READER_HOOK
#include <linux/seqlock.h>
#include <linux/spinlock.h>

#include <pokebench/bench/neighbours.hpp>

#include <array>

namespace pokebench::bench {
namespace {

constexpr int kWords = kNeighbourMaskWords;

// The nodemask words: READ_ONCE / WRITE_ONCE, as relaxed atomics (the
// primitive's own fences order them).
struct Mask {
  std::uint64_t w[kWords];
};
[[gnu::always_inline]] inline void mask_read(const Mask& m, std::uint64_t (&snap)[kWords]) {
  for (int i = 0; i < kWords; ++i) snap[i] = __atomic_load_n(&m.w[i], __ATOMIC_RELAXED);
}
[[gnu::always_inline]] inline void mask_write(Mask& m, std::uint64_t value) {
  for (int i = 0; i < kWords; ++i) __atomic_store_n(&m.w[i], value, __ATOMIC_RELAXED);
}
// Branch-free, as harness::nodemask_consistent().
[[gnu::always_inline]] inline bool consistent(const std::uint64_t (&snap)[kWords]) {
  bool same = true;
  for (int i = 1; i < kWords; ++i) same &= snap[i] == snap[0];
  return same;
}

// n reads, each `read_one(snap, waited)` returning its passes (1 for a read
// that never retried), each counted; the tally is kept in registers.
template <class ReadOne>
[[gnu::always_inline]] inline void read_n(std::uint64_t n, ReadTally& t, ReadOne read_one) {
  ReadTally k = t;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t snap[kWords];
    bool waited = false;
    const std::uint64_t retries = read_one(snap, waited) - 1;
    k.retries += retries;
    k.retried += retries != 0;
    k.max_retries = retries > k.max_retries ? retries : k.max_retries;
    k.checked += 1;  // each primitive validates (or excludes) every read
    k.torn_checked += !consistent(snap);
    k.waited += waited;
  }
  k.reads += n;
  t = k;
}

// --- seqlock_t: the sequence, the writers' lock and the nodemask on one line.
struct alignas(64) SeqlockData {
  seqlock_t lock;
  Mask mask;
};
static_assert(sizeof(SeqlockData) == 64);
SeqlockData g_seqlock = {__SEQLOCK_UNLOCKED(g_seqlock.lock), {}};

[[gnu::noinline]] void seqlock_read(std::uint64_t n, ReadTally& t) {
  read_n(n, t, [](std::uint64_t(&snap)[kWords], bool&) {
    std::uint64_t attempts = 0;
    unsigned seq;
    do {
      seq = read_seqbegin(&g_seqlock.lock);
      ++attempts;
      mask_read(g_seqlock.mask, snap);
    } while (read_seqretry(&g_seqlock.lock, seq));
    return attempts;
  });
}
void seqlock_write(std::uint64_t value) {
  write_seqlock(&g_seqlock.lock);
  mask_write(g_seqlock.mask, value);
  write_sequnlock(&g_seqlock.lock);
}

// --- seqcount_latch_t: the sequence and copy 0 on one line, copy 1 on the
// next (two copies of 32 bytes and the sequence do not fit one).
struct alignas(32) Copy {
  Mask mask;
};
struct alignas(64) LatchData {
  seqcount_latch_t seq;
  Copy data[2];
};
static_assert(sizeof(LatchData) == 128);
LatchData g_latch = {SEQCNT_LATCH_ZERO(g_latch.seq), {}};

// `wrong` = 1 reads the copy the sequence does not pick: the negative control.
template <unsigned wrong>
[[gnu::noinline]] void latch_read(std::uint64_t n, ReadTally& t) {
  read_n(n, t, [](std::uint64_t(&snap)[kWords], bool&) {
    std::uint64_t attempts = 0;
    unsigned seq;
    do {
      seq = read_seqcount_latch(&g_latch.seq);
      ++attempts;
      mask_read(g_latch.data[(seq & 1) ^ wrong].mask, snap);
    } while (read_seqcount_latch_retry(&g_latch.seq, seq));
    return attempts;
  });
}
// The v6.13 writer sequence (pokebench/kernel/seqcount.h).
void latch_write(std::uint64_t value) {
  write_seqcount_latch_begin(&g_latch.seq);  // readers to copy 1
  mask_write(g_latch.data[0].mask, value);
  write_seqcount_latch(&g_latch.seq);  // readers to copy 0
  mask_write(g_latch.data[1].mask, value);
  write_seqcount_latch_end(&g_latch.seq);
}

// --- A queued rwlock, as x86 kernels build rwlock_t (CONFIG_QUEUED_RWLOCKS:
// include/asm-generic/qrwlock.h, kernel/locking/qrwlock.c), in outline:
// `cnts` holds the writer byte (locked / waiting) and the readers' count
// above it; `wait_lock` queues whoever found the lock taken. Chosen over
// pthread_rwlock_t (futex sleeps, a different cost model) and the old
// arch_rwlock_t (replaced by this one on x86 in v3.16) because it is what a
// read_lock() in today's kernel costs: an atomic add on the lock's line, and
// an atomic sub to unlock, even with no writer anywhere.
constexpr std::uint32_t kWriterLocked = 0xff;    // _QW_LOCKED
constexpr std::uint32_t kWriterWaiting = 0x100;  // _QW_WAITING
constexpr std::uint32_t kWriterMask = 0x1ff;     // _QW_WMASK
constexpr std::uint32_t kReaderBias = 0x200;     // _QR_BIAS

struct QueuedRwlock {
  std::uint32_t cnts;
  spinlock_t wait_lock;
};

// True when the reader waited (found a writer locked or waiting).
[[gnu::always_inline]] inline bool read_lock(QueuedRwlock* l) {
  // Acquire pairs with the release in write_unlock: the data is the last writer's.
  if ((__atomic_add_fetch(&l->cnts, kReaderBias, __ATOMIC_ACQUIRE) & kWriterMask) == 0) return false;
  // Slow path: give way, queue behind the writer on wait_lock, then wait for
  // it to unlock (a waiting writer ahead of us has locked by now, or will
  // once the readers drain; the reader bias taken under wait_lock holds off
  // the next one).
  __atomic_sub_fetch(&l->cnts, kReaderBias, __ATOMIC_RELAXED);
  spin_lock(&l->wait_lock);
  __atomic_add_fetch(&l->cnts, kReaderBias, __ATOMIC_RELAXED);
  // Acquire pairs with the release in write_unlock.
  while (__atomic_load_n(&l->cnts, __ATOMIC_ACQUIRE) & kWriterLocked) cpu_relax();
  spin_unlock(&l->wait_lock);
  return true;
}
[[gnu::always_inline]] inline void read_unlock(QueuedRwlock* l) {
  // Release: this reader's loads before a writer's lock sees the count drop.
  __atomic_sub_fetch(&l->cnts, kReaderBias, __ATOMIC_RELEASE);
}
void write_lock(QueuedRwlock* l) {
  std::uint32_t expected = 0;
  // Acquire pairs with read_unlock's release: the readers are done.
  if (__atomic_compare_exchange_n(&l->cnts, &expected, kWriterLocked, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
    return;
  spin_lock(&l->wait_lock);
  expected = 0;
  if (!__atomic_compare_exchange_n(&l->cnts, &expected, kWriterLocked, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
    // Say a writer waits (new readers queue), then wait for the readers to drain.
    __atomic_fetch_or(&l->cnts, kWriterWaiting, __ATOMIC_RELAXED);
    do {
      while (__atomic_load_n(&l->cnts, __ATOMIC_RELAXED) != kWriterWaiting) cpu_relax();
      expected = kWriterWaiting;
    } while (
        !__atomic_compare_exchange_n(&l->cnts, &expected, kWriterLocked, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
  }
  spin_unlock(&l->wait_lock);
}
void write_unlock(QueuedRwlock* l) {
  // Release pairs with read_lock's acquire. The kernel stores 0 to the writer
  // byte; a byte store into a 32-bit atomic is outside the C++ model, so
  // here it is an atomic subtraction of the same bits.
  __atomic_fetch_sub(&l->cnts, kWriterLocked, __ATOMIC_RELEASE);
}

struct alignas(64) RwlockData {
  QueuedRwlock lock;
  Mask mask;
};
static_assert(sizeof(RwlockData) == 64);
RwlockData g_rwlock = {{0, __SPIN_LOCK_UNLOCKED(g_rwlock.lock.wait_lock)}, {}};

[[gnu::noinline]] void rwlock_read(std::uint64_t n, ReadTally& t) {
  read_n(n, t, [](std::uint64_t(&snap)[kWords], bool& waited) {
    waited = read_lock(&g_rwlock.lock);
    mask_read(g_rwlock.mask, snap);
    read_unlock(&g_rwlock.lock);
    return std::uint64_t{1};
  });
}
void rwlock_write(std::uint64_t value) {
  write_lock(&g_rwlock.lock);
  mask_write(g_rwlock.mask, value);
  write_unlock(&g_rwlock.lock);
}

const std::array<Neighbour, 3> kNeighbours{{
    {"seqlock", true, &seqlock_read, &seqlock_write},
    {"latch", true, &latch_read<0>, &latch_write},
    {"rwlock", false, &rwlock_read, &rwlock_write},
}};
const Neighbour kBrokenLatch{"broken-latch", true, &latch_read<1>, &latch_write};

}  // namespace

std::span<const Neighbour> neighbours() { return kNeighbours; }
const Neighbour& broken_latch_neighbour() { return kBrokenLatch; }

}  // namespace pokebench::bench
