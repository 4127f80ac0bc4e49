// The lock-order checker, the deadlock watchdog and the emulated locks
// (include/pokebench/harness/lockdep.hpp says what each reports).
//
// Lock order between this file's mutexes: a lock's own mutex (m_ of Mutex,
// PercpuRwsem, Completion) may be held while LockDep::m_ is taken, never the
// other way round; reports are handed to the callbacks with neither held.
#include <pokebench/harness/lockdep.hpp>
#include <pokebench/harness/vcpu.hpp>

#include <fmt/format.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <deque>

namespace pokebench::harness {
namespace {

thread_local std::string t_name;

std::string current_thread_name() {
  if (!t_name.empty()) return t_name;
  if (const Vcpu* v = this_vcpu()) return v->name;
  return fmt::format("thread {}", static_cast<long>(syscall(SYS_gettid)));
}

constexpr auto kWaitStep = std::chrono::milliseconds(5);

// A lock's slow path: blocks on `cv` as a waiter the watchdog sees
// (LockDep::wait_step) until `ready()` holds; `lk` holds the lock's own mutex.
template <class Ready>
void wait_until(LockDep& dep, std::unique_lock<std::mutex>& lk, std::condition_variable& cv, Ready ready) {
  const auto since = std::chrono::steady_clock::now();
  while (!ready()) dep.wait_step(lk, cv, since);
}

// A blocking acquisition of `l`: the checker records the order, the thread
// waits until `ready()`, `take()` changes the lock's state under its own
// mutex `m`, and the wait becomes a hold.
template <class Ready, class Take>
void take_when(const LockBase& l, bool shared, std::mutex& m, std::condition_variable& cv, Ready ready, Take take) {
  l.dep().acquire(l, shared);
  std::unique_lock lk(m);
  wait_until(l.dep(), lk, cv, ready);
  take();
  l.dep().acquired(l);
}

// A release of `l`: the checker drops the hold, `change()` changes the
// lock's state under its own mutex `m`, then the waiters wake.
template <class Change>
void release_and_wake(const LockBase& l, std::mutex& m, std::condition_variable& cv, Change change) {
  l.dep().release(l);
  {
    std::lock_guard g(m);
    change();
  }
  cv.notify_all();
}

}  // namespace

LockBase::LockBase(LockDep& dep, std::string name) : dep_(dep), name_(std::move(name)), id_(dep.register_lock(*this)) {}

void LockDep::name_thread(std::string name) { t_name = std::move(name); }

unsigned LockDep::register_lock(const LockBase& l) {
  std::lock_guard g(m_);
  names_.push_back(l.name());
  return static_cast<unsigned>(names_.size() - 1);
}

LockDep::ThreadState& LockDep::me_locked() {
  ThreadState& t = threads_[std::this_thread::get_id()];
  t.name = current_thread_name();
  return t;
}

std::string LockDep::names_locked(const std::vector<unsigned>& ids) const {
  std::string out;
  for (unsigned id : ids) out += (out.empty() ? "" : ", ") + names_[id];
  return "[" + out + "]";
}

// Breadth-first over the recorded dependencies; `out` gets from..to.
bool LockDep::path_locked(unsigned from, unsigned to, std::vector<unsigned>& out) const {
  std::map<unsigned, unsigned> parent{{from, from}};
  std::deque<unsigned> todo{from};
  while (!todo.empty()) {
    const unsigned at = todo.front();
    todo.pop_front();
    if (at == to) {
      out.clear();
      for (unsigned n = to; n != from; n = parent[n]) out.push_back(n);
      out.push_back(from);
      std::reverse(out.begin(), out.end());
      return true;
    }
    const auto it = deps_.find(at);
    if (it == deps_.end()) continue;
    for (const auto& [next, edge] : it->second)
      if (parent.emplace(next, at).second) todo.push_back(next);
  }
  return false;
}

std::string LockDep::chain_text_locked(const std::vector<unsigned>& path) const {
  std::string out;
  for (std::size_t i = 0; i + 1 < path.size(); ++i)
    out += fmt::format("  {} -> {}   (first taken in this order by {})\n", names_[path[i]], names_[path[i + 1]],
                       deps_.at(path[i]).at(path[i + 1]).context);
  return out;
}

void LockDep::check_and_record_locked(unsigned next) {
  ThreadState& t = me_locked();
  const std::string context = fmt::format("{}, holding {}", t.name, names_locked(t.held));
  for (unsigned held : t.held) {
    if (held == next) {
      if (reported_pairs_.emplace(held, next).second)
        inversions_.push_back(
            fmt::format("WARNING: possible recursive locking detected\n{} is trying to acquire {} but already holds it "
                        "(holding {}): it waits for itself\n",
                        t.name, names_[next], names_locked(t.held)));
      continue;
    }
    std::vector<unsigned> path;
    if (path_locked(next, held, path) && reported_pairs_.emplace(held, next).second) {
      inversions_.push_back(
          fmt::format("WARNING: possible circular locking dependency detected\n"
                      "{} is trying to acquire {} while holding {},\n"
                      "but {} already depends on {}; the existing dependency chain is:\n{}"
                      "and the new dependency is:\n  {} -> {}   (taken in this order by {})\n"
                      "two threads taking these chains at once deadlock: each holds what the other waits for\n",
                      t.name, names_[next], names_[held], names_[next], names_[held], chain_text_locked(path),
                      names_[held], names_[next], context));
    }
    deps_[held].emplace(next, Edge{context});
  }
}

void LockDep::acquire(const LockBase& l, bool /*shared*/) {
  // Readers of a percpu rwsem are ordered like writers: once a writer waits,
  // a new reader waits too, so a read hold inside a cycle deadlocks as well.
  std::string report;
  {
    std::lock_guard g(m_);
    const std::size_t before = inversions_.size();
    check_and_record_locked(l.id());
    me_locked().waiting_for = static_cast<int>(l.id());
    if (inversions_.size() != before) report = inversions_.back();
  }
  if (!report.empty() && on_inversion) on_inversion(report);
  if (!stall_thread_.empty() && current_thread_name() == stall_thread_) std::this_thread::sleep_for(stall_);
}

void LockDep::touch(const LockBase& l) {
  std::string report;
  {
    std::lock_guard g(m_);
    const std::size_t before = inversions_.size();
    check_and_record_locked(l.id());
    if (inversions_.size() != before) report = inversions_.back();
  }
  if (!report.empty() && on_inversion) on_inversion(report);
}

void LockDep::acquired(const LockBase& l) {
  std::lock_guard g(m_);
  ThreadState& t = me_locked();
  t.waiting_for = -1;
  t.blocked = false;
  t.held.push_back(l.id());
}

void LockDep::release(const LockBase& l) {
  std::lock_guard g(m_);
  const auto it = threads_.find(std::this_thread::get_id());
  if (it == threads_.end()) return;
  auto& held = it->second.held;
  const auto pos = std::find(held.rbegin(), held.rend(), l.id());
  if (pos != held.rend()) held.erase(std::next(pos).base());
  if (held.empty() && it->second.waiting_for < 0) threads_.erase(it);  // thread ids are reused
}

bool LockDep::held_by_me(const LockBase& l) const {
  std::lock_guard g(m_);
  const auto it = threads_.find(std::this_thread::get_id());
  return it != threads_.end() &&
         std::find(it->second.held.begin(), it->second.held.end(), l.id()) != it->second.held.end();
}

// Follows "waits for lock -> a holder of it -> the lock that one waits for"
// from the calling thread; a walk back to it is a deadlock.
std::string LockDep::find_deadlock_locked(std::thread::id me) const {
  std::vector<std::thread::id> cycle{me};
  std::set<std::thread::id> seen{me};
  std::function<bool(std::thread::id)> walk = [&](std::thread::id at) -> bool {
    const int want = threads_.at(at).waiting_for;
    if (want < 0) return false;
    for (const auto& [tid, st] : threads_) {
      if (std::find(st.held.begin(), st.held.end(), static_cast<unsigned>(want)) == st.held.end()) continue;
      if (tid == me) return true;
      if (!seen.insert(tid).second) continue;
      cycle.push_back(tid);
      if (walk(tid)) return true;
      cycle.pop_back();
    }
    return false;
  };
  if (!walk(me)) return {};
  std::string r = "deadlock: these threads wait for each other (each holds what the next waits for):\n";
  for (std::thread::id tid : cycle) {
    const ThreadState& st = threads_.at(tid);
    r += fmt::format("  {} holds {} and waits for {}\n", st.name, names_locked(st.held),
                     names_[static_cast<unsigned>(st.waiting_for)]);
  }
  return r;
}

bool LockDep::has_waiter(const LockBase& l) const {
  std::lock_guard g(m_);
  for (const auto& [tid, st] : threads_)
    if (st.blocked && st.waiting_for == static_cast<int>(l.id())) return true;
  return false;
}

std::string LockDep::held_locks_report() const {
  std::lock_guard g(m_);
  std::string r;
  for (const auto& [tid, st] : threads_)
    r += fmt::format("  {} holds {}{}\n", st.name, names_locked(st.held),
                     st.waiting_for >= 0 ? ", waits for " + names_[static_cast<unsigned>(st.waiting_for)] : "");
  return r.empty() ? "  no thread holds or waits for an emulated lock\n" : r;
}

void LockDep::wait_step(std::unique_lock<std::mutex>& lk, std::condition_variable& cv,
                        std::chrono::steady_clock::time_point since) {
  {
    // The caller holds the lock's own mutex and found the lock taken.
    std::lock_guard g(m_);
    me_locked().blocked = true;
  }
  cv.wait_for(lk, kWaitStep);
  if (std::chrono::steady_clock::now() - since < cfg_.deadlock_timeout) return;
  std::string report;
  bool abandon = false;
  {
    std::lock_guard g(m_);
    const std::string found = find_deadlock_locked(std::this_thread::get_id());
    if (found.empty()) return;
    if (deadlocks_.empty()) report = found;
    if (deadlocks_.empty() || cfg_.abandon_on_deadlock) deadlocks_.push_back(found);
    abandon = cfg_.abandon_on_deadlock;
    if (abandon) {
      ThreadState& t = me_locked();
      t.waiting_for = -1;
      t.blocked = false;
    }
  }
  if (!report.empty() && on_deadlock) {
    lk.unlock();  // the callback may take its time (a hang report)
    on_deadlock(report);
    lk.lock();
  }
  if (abandon) throw DeadlockAbandoned("deadlock reported; wait abandoned");
}

std::vector<std::string> LockDep::inversions() const {
  std::lock_guard g(m_);
  return inversions_;
}

std::vector<std::string> LockDep::deadlocks() const {
  std::lock_guard g(m_);
  return deadlocks_;
}

void Mutex::lock() {
  take_when(
      *this, false, m_, cv_, [this] { return !locked_; }, [this] { locked_ = true; });
}

void Mutex::unlock() {
  release_and_wake(*this, m_, cv_, [this] { locked_ = false; });
}

void PercpuRwsem::down_read() {
  take_when(
      *this, true, m_, cv_, [this] { return !writer_ && writers_waiting_ == 0; }, [this] { ++readers_; });
}

void PercpuRwsem::up_read() {
  release_and_wake(*this, m_, cv_, [this] { --readers_; });
}

void PercpuRwsem::down_write() {
  dep().acquire(*this, false);
  std::unique_lock lk(m_);
  ++writers_waiting_;
  try {
    wait_until(dep(), lk, cv_, [this] { return !writer_ && readers_ == 0; });
  } catch (...) {
    --writers_waiting_;
    throw;
  }
  --writers_waiting_;
  writer_ = true;
  dep().acquired(*this);
}

void PercpuRwsem::up_write() {
  release_and_wake(*this, m_, cv_, [this] { writer_ = false; });
}

void Completion::reinit() {
  std::lock_guard g(m_);
  done_ = false;
}

void Completion::begin_work() {
  dep().acquire(*this, false);
  dep().acquired(*this);
}

void Completion::end_work() {
  release_and_wake(*this, m_, cv_, [this] { done_ = true; });
}

void Completion::wait() {
  dep().acquire(*this, false);
  std::unique_lock lk(m_);
  wait_until(dep(), lk, cv_, [this] { return done_; });
  lk.unlock();
  dep().acquired(*this);  // the map is taken and dropped at once (lock_map_acquire/release)
  dep().release(*this);
}

bool Completion::done() const {
  std::lock_guard g(m_);
  return done_;
}

}  // namespace pokebench::harness
