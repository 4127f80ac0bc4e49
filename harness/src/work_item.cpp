// One work item on a worker thread of its own (see work_item.hpp).
#include "work_item.hpp"

#include <fmt/format.h>

namespace pokebench::harness::detail {
namespace {
constexpr auto kPoll = std::chrono::microseconds(200);  // how often the worker asks may_run
}  // namespace

WorkItem::WorkItem(LockDep& dep, std::string name, std::string worker, std::function<void()> fn,
                   std::chrono::milliseconds stuck_after)
    : dep_(dep), map_(dep, std::move(name)), fn_(std::move(fn)), stuck_after_(stuck_after) {
  worker_ = std::thread([this, worker = std::move(worker)] { worker_main(worker); });
}

WorkItem::~WorkItem() {
  {
    std::lock_guard g(m_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

bool WorkItem::queue_work() {
  {
    std::lock_guard g(m_);
    if (pending_) return false;
    pending_ = true;
    ++queued_;
  }
  cv_.notify_all();
  return true;
}

void WorkItem::freeze() {
  std::lock_guard g(m_);
  frozen_ = true;
}

void WorkItem::thaw() {
  {
    std::lock_guard g(m_);
    frozen_ = false;
  }
  cv_.notify_all();
}

bool WorkItem::flush_work() {
  std::unique_lock lk(m_);
  const std::uint64_t target = queued_;
  if (finished_ >= target) return false;  // neither pending nor running
  lk.unlock();
  // The work's map, taken before the wait: "what this thread holds -> the
  // work" is recorded before a held-back worker is let go (may_run).
  dep_.acquire(map_, false);
  lk.lock();
  ++flushers_;
  cv_.notify_all();
  const auto since = std::chrono::steady_clock::now();
  while (finished_ < target) {
    dep_.wait_step(lk, cv_, since);
    if (frozen_ && !stuck_reported_ && std::chrono::steady_clock::now() - since > stuck_after_) {
      stuck_reported_ = true;
      lk.unlock();
      if (on_stuck)
        on_stuck(
            fmt::format("a flush_work({}) has waited for over {} ms for a work queued on a frozen workqueue "
                        "(tasks are frozen for suspend): the queue runs nothing until it is thawed, and the "
                        "thaw comes after this wait\n",
                        map_.name(), stuck_after_.count()));
      lk.lock();
    }
  }
  --flushers_;
  lk.unlock();
  dep_.acquired(map_);
  dep_.release(map_);
  return true;
}

void WorkItem::worker_main(const std::string& worker) {
  LockDep::name_thread(worker);
  std::unique_lock lk(m_);
  for (;;) {
    const bool ready = pending_ && !frozen_;
    if (stop_) return;
    if (!ready || (may_run && !may_run(flushers_ != 0))) {
      cv_.wait_for(lk, kPoll);
      continue;
    }
    pending_ = false;  // queueing again from here on runs the work once more
    const std::uint64_t instance = queued_;
    lk.unlock();
    // process_one_work: the work's map is held while the function runs.
    dep_.acquire(map_, false);
    dep_.acquired(map_);
    fn_();
    dep_.release(map_);
    lk.lock();
    finished_ = instance;
    cv_.notify_all();
  }
}

}  // namespace pokebench::harness::detail
