// Delayed work for static_key_deferred: one worker thread, started on first
// use, runs each item once its due time passed, under the patch policy that
// was in scope where the item was queued.
#include <linux/jiffies.h>
#include <linux/workqueue.h>

#include <pokebench/patcher/patcher.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Item {
  delayed_work* dw;
  Clock::time_point due;
  pokebench::patcher::Config policy;
};

struct Worker {
  std::mutex mutex;
  std::condition_variable changed;
  std::list<Item> queue;                     // guarded by mutex
  std::vector<const delayed_work*> running;  // guarded by mutex: items being run (worker or flush)
  bool started = false;
};

Worker& worker() {
  static auto* w = new Worker;  // never destroyed: the thread outlives static destruction
  return *w;
}

void run_item(Worker& w, std::unique_lock<std::mutex>& lock, Item item) {
  item.dw->pending = 0;
  w.running.push_back(item.dw);
  lock.unlock();
  {
    const pokebench::patcher::ScopedPolicy policy(item.policy);
    item.dw->work.func(&item.dw->work);
  }
  lock.lock();
  w.running.erase(std::find(w.running.begin(), w.running.end(), item.dw));
  w.changed.notify_all();
}

[[noreturn]] void worker_loop() {
  Worker& w = worker();
  std::unique_lock lock(w.mutex);
  for (;;) {
    if (w.queue.empty()) {
      w.changed.wait(lock);
      continue;
    }
    auto first = w.queue.begin();
    for (auto it = w.queue.begin(); it != w.queue.end(); ++it)
      if (it->due < first->due) first = it;
    if (Clock::now() < first->due) {
      w.changed.wait_until(lock, first->due);
      continue;
    }
    Item item = std::move(*first);
    w.queue.erase(first);
    run_item(w, lock, std::move(item));
  }
}

// Removes `dw` from the queue; true if it was there.
bool dequeue_locked(Worker& w, const delayed_work* dw, Item* out) {
  for (auto it = w.queue.begin(); it != w.queue.end(); ++it)
    if (it->dw == dw) {
      if (out != nullptr) *out = std::move(*it);
      w.queue.erase(it);
      return true;
    }
  return false;
}

void wait_not_running_locked(Worker& w, std::unique_lock<std::mutex>& lock, const delayed_work* dw) {
  w.changed.wait(lock, [&] { return std::find(w.running.begin(), w.running.end(), dw) == w.running.end(); });
}

}  // namespace

extern "C" {

unsigned long pokebench_jiffies(void) {
  return static_cast<unsigned long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count());
}

bool schedule_delayed_work(struct delayed_work* dw, unsigned long delay) {
  Worker& w = worker();
  std::unique_lock lock(w.mutex);
  if (dw->pending != 0) return false;
  dw->pending = 1;
  w.queue.push_back(Item{dw, Clock::now() + std::chrono::milliseconds(delay), pokebench::patcher::policy_in_scope()});
  if (!w.started) {
    w.started = true;
    std::thread(worker_loop).detach();
  }
  w.changed.notify_all();
  return true;
}

bool flush_delayed_work(struct delayed_work* dw) {
  Worker& w = worker();
  std::unique_lock lock(w.mutex);
  const bool was_running = std::find(w.running.begin(), w.running.end(), dw) != w.running.end();
  Item item{};
  if (dequeue_locked(w, dw, &item)) {
    wait_not_running_locked(w, lock, dw);
    run_item(w, lock, std::move(item));  // queued for immediate execution, and waited for
    return true;
  }
  wait_not_running_locked(w, lock, dw);
  return was_running;
}

bool cancel_delayed_work_sync(struct delayed_work* dw) {
  Worker& w = worker();
  std::unique_lock lock(w.mutex);
  const bool was_queued = dequeue_locked(w, dw, nullptr);
  if (was_queued) dw->pending = 0;
  wait_not_running_locked(w, lock, dw);
  return was_queued;
}

}  // extern "C"
