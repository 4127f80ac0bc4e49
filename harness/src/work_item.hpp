// One work item on a worker thread of its own: queue_work / flush_work for a
// scenario that needs a kernel work item (kernel/workqueue.c semantics for a
// single work: queueing a pending work does nothing; flush_work waits for the
// last queued instance to finish). The worker holds the work's lock map while
// the function runs (process_one_work's lock_map_acquire) and flush_work
// takes it before it waits, so the lock-order checker sees "flusher's locks
// -> the work -> the work's own locks" and the deadlock watchdog can follow a
// flusher to the worker and on to what the worker waits for.
//
// A workqueue can be frozen (freeze_workqueues_begin for suspend): a frozen
// one starts nothing until thawed. A flush that waits on a frozen queue longer
// than the deadlock timeout is reported once through on_stuck: no lock cycle
// explains that wait, so the lock watchdog would not.
#pragma once

#include <pokebench/harness/lockdep.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace pokebench::harness::detail {

class WorkItem {
 public:
  // Starts the worker thread, named `worker` in lock reports; the work's
  // lock map is named `name` (e.g. "cpuset_hotplug_work").
  WorkItem(LockDep& dep, std::string name, std::string worker, std::function<void()> fn,
           std::chrono::milliseconds stuck_after);
  ~WorkItem();
  WorkItem(const WorkItem&) = delete;
  WorkItem& operator=(const WorkItem&) = delete;

  // queue_work: false if the work was already pending.
  bool queue_work();
  // flush_work: waits until the instance queued last has run; false (at once)
  // if the work was neither pending nor running.
  bool flush_work();
  // freeze_workqueues_begin / thaw_workqueues.
  void freeze();
  void thaw();

  // Deterministic scenarios: the worker starts a pending run only once this
  // says yes (polled; default: at once). It is told whether a flush is waiting.
  std::function<bool(bool flush_waiting)> may_run;
  // A flush waiting on a frozen queue for longer than `stuck_after` (once).
  std::function<void(const std::string& report)> on_stuck;

  const LockBase& lock_map() const noexcept { return map_; }
  const std::string& name() const noexcept { return map_.name(); }

 private:
  void worker_main(const std::string& worker);

  LockDep& dep_;
  LockBase map_;
  std::function<void()> fn_;
  std::chrono::milliseconds stuck_after_;
  std::mutex m_;
  std::condition_variable cv_;
  std::uint64_t queued_ = 0, finished_ = 0;  // instances queued / run to the end
  bool pending_ = false, frozen_ = false, stop_ = false, stuck_reported_ = false;
  unsigned flushers_ = 0;
  std::thread worker_;
};

}  // namespace pokebench::harness::detail
