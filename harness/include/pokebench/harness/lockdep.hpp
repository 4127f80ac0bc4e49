// Emulated kernel locks with a lock-order checker in the spirit of lockdep
// (kernel/locking/lockdep.c) and a deadlock watchdog.
//
// Every emulated lock (Mutex, PercpuRwsem, and the Completion a thread waits
// on, which lockdep models as a lock map the completing thread holds, as
// flush_work() does with a work's lockdep_map) belongs to one LockDep. When a
// thread takes lock B while holding A, the checker records the dependency
// A -> B with the thread's name and the locks it held. If B already reaches A
// through recorded dependencies, the new one closes a cycle: the checker
// reports the inversion with both chains of names at once, before anything
// blocks (lockdep's "possible circular locking dependency detected").
//
// Independently, every blocking wait is timed: a thread that has waited for
// longer than the deadlock timeout walks the wait-for graph (it waits for a
// lock; the lock's holders wait for ...) and, if the walk comes back to it,
// reports the real deadlock: who holds what, who waits for what. The kernel's
// hung-task detector prints the same facts (kernel/hung_task.c with
// debug_show_all_locks()).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace pokebench::harness {

class LockDep;

// Thrown out of a blocking wait once a deadlock was reported and the
// LockDep was told to abandon deadlocked waits (tests unwind this way; a
// trial child keeps waiting and is killed by its supervisor).
struct DeadlockAbandoned : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One emulated lock as the checker knows it: a name, an id, who holds it.
class LockBase {
 public:
  LockBase(LockDep& dep, std::string name);
  virtual ~LockBase() = default;
  LockBase(const LockBase&) = delete;
  LockBase& operator=(const LockBase&) = delete;
  const std::string& name() const noexcept { return name_; }
  LockDep& dep() const noexcept { return dep_; }
  unsigned id() const noexcept { return id_; }

 private:
  LockDep& dep_;
  std::string name_;
  unsigned id_;
};

class LockDep {
 public:
  struct Config {
    std::chrono::milliseconds deadlock_timeout{1000};
    bool abandon_on_deadlock = false;  // throw DeadlockAbandoned from the waits after the report
  };
  explicit LockDep(Config cfg) : cfg_(cfg) {}
  LockDep() : LockDep(Config{}) {}

  // Called once per new inversion and once per deadlock, with the report
  // (from the thread that found it). Default: nothing (reports are kept).
  std::function<void(const std::string&)> on_inversion;
  std::function<void(const std::string&)> on_deadlock;

  // Names the calling thread in reports (default: its vCPU's name, else "thread <tid>").
  static void name_thread(std::string name);

  // Test seam: from now on the thread named `thread` (name_thread) sleeps
  // for `stall` in every acquire, after it is marked as wanting the lock and
  // before it tries to take it, so whoever looks then sees a thread that
  // wants a lock it has not found taken (has_waiter must not count it).
  // Call it before any thread takes a lock.
  void stall_before_taking(std::string thread, std::chrono::microseconds stall) {
    stall_thread_ = std::move(thread);
    stall_ = stall;
  }

  std::vector<std::string> inversions() const;
  std::vector<std::string> deadlocks() const;
  // Does the calling thread hold `l` (lockdep_assert_held)?
  bool held_by_me(const LockBase& l) const;
  // Is some thread blocked waiting for `l` right now: has it found `l`
  // taken (deterministic scenarios wait for a thread to reach a lock it
  // cannot take)? A thread on its way into a free lock is not: it has been
  // through acquire() but takes the lock as soon as it looks.
  bool has_waiter(const LockBase& l) const;
  // What every thread holds and waits for right now (for hang reports).
  std::string held_locks_report() const;

  // Used by the locks. acquire() records and checks the order, then marks
  // the thread waiting; acquired() turns the wait into a hold; release()
  // drops it. wait_step() blocks on `cv` up to a short step and runs the
  // watchdog; the caller loops until its condition holds.
  void acquire(const LockBase& l, bool shared);
  void acquired(const LockBase& l);
  void release(const LockBase& l);
  void wait_step(std::unique_lock<std::mutex>& lk, std::condition_variable& cv,
                 std::chrono::steady_clock::time_point since);
  // Records only the order (a lock map taken and dropped at once, as
  // flush_work does with the work's map before it waits).
  void touch(const LockBase& l);
  unsigned register_lock(const LockBase& l);

 private:
  struct Edge {
    std::string context;  // "thread X, holding [a, b]"
  };
  struct ThreadState {
    std::string name;
    std::vector<unsigned> held;  // in acquisition order
    int waiting_for = -1;        // lock id
    bool blocked = false;        // found waiting_for taken (in wait_step), until acquired
  };
  ThreadState& me_locked();
  void check_and_record_locked(unsigned next);
  bool path_locked(unsigned from, unsigned to, std::vector<unsigned>& out) const;
  std::string chain_text_locked(const std::vector<unsigned>& path) const;
  std::string names_locked(const std::vector<unsigned>& ids) const;
  std::string find_deadlock_locked(std::thread::id me) const;

  Config cfg_;
  std::string stall_thread_;
  std::chrono::microseconds stall_{0};
  mutable std::mutex m_;
  std::vector<std::string> names_;                          // by id
  std::map<unsigned, std::map<unsigned, Edge>> deps_;       // from -> to -> first context
  std::map<std::thread::id, ThreadState> threads_;          // guarded by m_
  std::set<std::pair<unsigned, unsigned>> reported_pairs_;  // inversions reported once
  std::vector<std::string> inversions_, deadlocks_;
};

// A sleeping mutex (struct mutex): cpu_add_remove_lock, cgroup_mutex, ...
class Mutex : public LockBase {
 public:
  using LockBase::LockBase;
  void lock();
  void unlock();
  bool held_by_me() const { return dep().held_by_me(*this); }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool locked_ = false;
};

// A percpu rw semaphore (kernel/locking/percpu-rwsem.c), as cpu_hotplug_lock
// is: many readers or one writer; once a writer waits, new readers wait too
// (the writer must not starve), which is what makes a reader that a writer
// waits for a deadlock.
class PercpuRwsem : public LockBase {
 public:
  using LockBase::LockBase;
  void down_read();
  void up_read();
  void down_write();
  void up_write();
  bool held_by_me() const { return dep().held_by_me(*this); }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  unsigned readers_ = 0;
  bool writer_ = false;
  unsigned writers_waiting_ = 0;
};

// struct completion with a lock map: the thread that will complete it holds
// the map while it works (begin_work/end_work, as process_one_work holds a
// work's map), and a waiter takes the map before it sleeps, so lockdep sees
// "waiter's locks -> the work" and the work's own locks.
class Completion : public LockBase {
 public:
  using LockBase::LockBase;
  void reinit();
  void begin_work();  // on the completing thread, before the work
  void end_work();    // complete(): drops the map and wakes the waiters
  void wait();        // wait_for_completion
  bool done() const;

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
};

// Scoped holds.
template <class L>
class Locked {
 public:
  explicit Locked(L& l) : l_(l) { l_.lock(); }
  ~Locked() { l_.unlock(); }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;

 private:
  L& l_;
};

}  // namespace pokebench::harness
