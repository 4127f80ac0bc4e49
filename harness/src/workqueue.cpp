// Workqueues on the emulated machine (see workqueue.hpp, docs/hotplug.md).
#include <pokebench/harness/workqueue.hpp>

#include <fmt/format.h>

#include <deque>
#include <stdexcept>
#include <thread>
#include <utility>

namespace pokebench::harness {
namespace {

thread_local int tl_worker_cpu = -1;

cpumask_t bit(unsigned cpu) { return cpumask_t{1} << cpu; }

}  // namespace

std::string cpumask_str(cpumask_t m) {
  std::string out;
  for (unsigned c = 0; c < 64; ++c) {
    if (!((m >> c) & 1)) continue;
    unsigned last = c;
    while (last + 1 < 64 && ((m >> (last + 1)) & 1)) ++last;
    out += (out.empty() ? "" : ",") + (last == c ? fmt::format("{}", c) : fmt::format("{}-{}", c, last));
    c = last;
  }
  return "{" + out + "}";
}

// ---- the cpu-to-node map ----

CpuNodeMap::CpuNodeMap(unsigned nr_nodes, const std::vector<int>& node_of_cpu)
    : nr_nodes_(nr_nodes), ncpus_(static_cast<unsigned>(node_of_cpu.size())) {
  if (nr_nodes == 0 || nr_nodes > kMaxNodes) throw std::invalid_argument("CpuNodeMap: 1 to 8 nodes");
  if (ncpus_ == 0 || ncpus_ > CpuHotplug::kMaxCpus) throw std::invalid_argument("CpuNodeMap: 1 to 64 CPUs");
  for (unsigned c = 0; c < ncpus_; ++c) {
    const int n = node_of_cpu[c];
    if (n < 0 || n >= static_cast<int>(nr_nodes)) throw std::invalid_argument("CpuNodeMap: no such node");
    node_[c].store(n, std::memory_order_relaxed);
    mask_[n].store(mask_[n].load(std::memory_order_relaxed) | bit(c), std::memory_order_relaxed);
  }
}

cpumask_t CpuNodeMap::cpus_by_lookup(int node) const noexcept {
  cpumask_t m = 0;
  for (unsigned c = 0; c < ncpus_; ++c)
    if (cpu_to_node(c) == node) m |= bit(c);
  return m;
}

void CpuNodeMap::move_cpu(unsigned cpu, int to) {
  const int from = cpu_to_node(cpu);
  at("numa_move:begin", cpu);
  // The words are relaxed atomics: write_seqcount_begin/end's fences order
  // them against the sequence (pairs with read_begin/read_retry).
  write_seqcount_begin(&seq_);
  mask_[to].fetch_or(bit(cpu), std::memory_order_relaxed);
  at("numa_move:added", cpu);
  node_[cpu].store(to, std::memory_order_relaxed);
  at("numa_move:remapped", cpu);
  if (from != to) mask_[from].fetch_and(~bit(cpu), std::memory_order_relaxed);
  write_seqcount_end(&seq_);
  at("numa_move:done", cpu);
}

unsigned CpuNodeMap::read_begin() const {
  for (;;) {
    // raw_read_seqcount: one load and smp_rmb, pairs with the release fence
    // in write_seqcount_end (the words of a finished move are visible).
    const unsigned s = raw_read_seqcount(&seq_);
    if ((s & 1) == 0) return s;
    if (reader_waits) reader_waits();
    cpu_relax();
  }
}

bool CpuNodeMap::read_retry(unsigned seq) const { return read_seqcount_retry(&seq_, seq) != 0; }

// ---- work items ----

WorkStruct::WorkStruct(LockDep& dep, std::string name, std::function<void()> fn)
    : LockBase(dep, std::move(name)), fn_(std::move(fn)) {}

bool WorkStruct::pending() const {
  std::lock_guard g(m_);
  return pending_;
}
std::uint64_t WorkStruct::runs() const {
  std::lock_guard g(m_);
  return runs_;
}
int WorkStruct::last_cpu() const {
  std::lock_guard g(m_);
  return last_cpu_;
}
cpumask_t WorkStruct::ran_on() const {
  std::lock_guard g(m_);
  return ran_on_;
}

// ---- worker pools ----

// struct worker_pool (unbound): a cpumask, a worklist, one worker.
class WorkerPool {
 public:
  // create_worker(): the first worker, attached before it starts.
  WorkerPool(Workqueue& wq, unsigned id, int node, cpumask_t mask) : wq_(wq), mask_(mask) {
    binding_ = {fmt::format("kworker/u{}:0", id), id, node, mask, wq.hp_.cpu_online_mask()};
    worker_attach_to_pool();
    worker_ = std::thread([this] { worker_thread(binding_.worker); });
  }
  ~WorkerPool() {
    stop();
    if (worker_.joinable()) worker_.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  cpumask_t cpumask() const noexcept { return mask_; }
  const WorkerBinding& binding() const noexcept { return binding_; }
  // False if the worker has already left (a retired pool): queue elsewhere.
  bool insert_work(WorkStruct& w) {
    {
      std::lock_guard g(m_);
      if (exited_) return false;
      worklist_.push_back(&w);
    }
    cv_.notify_one();
    return true;
  }
  // The worker leaves once its worklist is empty.
  void stop() {
    {
      std::lock_guard g(m_);
      stop_ = true;
    }
    cv_.notify_one();
  }
  bool exited() {
    std::lock_guard g(m_);
    return exited_;
  }

 private:
  // worker_attach_to_pool: set_cpus_allowed_ptr(worker, pool->attrs->cpumask),
  // whatever the mask holds (the kernel's call fails on a mask with no
  // active CPU and the worker keeps running where it was: the crash of
  // docs/scenario-wq-pool-cpumask.md). Workqueue::on_bind reports it.
  void worker_attach_to_pool() { allowed_ = mask_; }

  // The scheduler's choice for the next work: the CPUs of the mask that are
  // online, in turn; none online: the first online CPU (the fallback).
  int pick_cpu() {
    const cpumask_t online = wq_.hp_.cpu_online_mask();
    const cpumask_t ok = allowed_ & online;
    if (ok == 0) {
      wq_.fallbacks_.fetch_add(1, std::memory_order_relaxed);
      return online != 0 ? __builtin_ctzll(online) : 0;
    }
    for (unsigned i = 1; i <= 64; ++i) {
      const unsigned c = (static_cast<unsigned>(last_ + 1) + i - 1) % 64;
      if ((ok >> c) & 1) return last_ = static_cast<int>(c);
    }
    return last_;  // unreachable: ok != 0
  }

  void worker_thread(const std::string& name) {
    LockDep::name_thread(name);
    for (;;) {
      WorkStruct* w = nullptr;
      {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return stop_ || !worklist_.empty(); });
        if (worklist_.empty()) {  // stopped and drained: nothing is queued here any more
          exited_ = true;
          return;
        }
        w = worklist_.front();
        worklist_.pop_front();
      }
      process_one_work(*w);
    }
  }

  void process_one_work(WorkStruct& w) {
    std::uint64_t instance = 0;
    {
      std::lock_guard g(w.m_);
      w.pending_ = false;  // queue_work may queue it again from now on
      instance = w.queued_;
    }
    const int cpu = pick_cpu();
    tl_worker_cpu = cpu;
    // The work's lock map is held while it runs: a flush_work caller's
    // locks -> w, and w -> whatever w's function takes.
    w.dep().acquire(w, false);
    w.dep().acquired(w);
    try {
      w.fn_();
    } catch (const DeadlockAbandoned&) {
      // A test abandoned a deadlock: end the work, so its flushers unwind too.
    }
    w.dep().release(w);
    tl_worker_cpu = -1;
    {
      std::lock_guard g(w.m_);
      ++w.runs_;
      w.last_cpu_ = cpu;
      w.ran_on_ |= bit(static_cast<unsigned>(cpu));
      w.finished_ = instance;
    }
    w.cv_.notify_all();
  }

  Workqueue& wq_;
  cpumask_t mask_;
  WorkerBinding binding_;
  cpumask_t allowed_ = 0;
  int last_ = -1;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<WorkStruct*> worklist_;
  bool stop_ = false, exited_ = false;
  std::thread worker_;
};

// ---- workqueues ----

Workqueue::Workqueue(const CpuHotplug& hp, const CpuNodeMap& map, std::string wq_name, cpumask_t attrs,
                     std::function<void(const WorkerBinding&)> on_bind)
    : hp_(hp), map_(map), name_(std::move(wq_name)), attrs_(attrs), on_bind_(std::move(on_bind)) {
  pools_.resize(map.nr_node_ids());
  for (unsigned n = 0; n < map.nr_node_ids(); ++n) set_node_pool(static_cast<int>(n), attrs);
}

Workqueue::~Workqueue() {
  std::vector<std::shared_ptr<WorkerPool>> all;
  {
    std::lock_guard g(m_);
    all = std::move(retired_);
    for (auto& p : pools_) all.push_back(std::move(p));
  }
  // Outside m_: a work still running may queue work (on a stopped pool's
  // list, which its worker drains before it leaves).
  all.clear();  // each pool's destructor drains and joins its worker
}

cpumask_t Workqueue::node_cpumask(int node) const { return pool_of(node)->cpumask(); }

std::shared_ptr<WorkerPool> Workqueue::pool_of(int node) const {
  std::lock_guard g(m_);
  return pools_.at(static_cast<std::size_t>(node));
}

void Workqueue::set_node_pool(int node, cpumask_t cpumask) {
  std::shared_ptr<WorkerPool> created;
  std::vector<std::shared_ptr<WorkerPool>> done;  // joined after m_ is dropped
  {
    std::lock_guard g(m_);
    std::shared_ptr<WorkerPool>& slot = pools_.at(static_cast<std::size_t>(node));
    if (slot && slot->cpumask() == cpumask) return;
    std::shared_ptr<WorkerPool> next;
    for (const auto& p : pools_)
      if (p && p->cpumask() == cpumask) next = p;  // get_unbound_pool's hash hit
    if (!next) created = next = std::make_shared<WorkerPool>(*this, next_pool_id_++, node, cpumask);
    std::shared_ptr<WorkerPool> old = std::exchange(slot, std::move(next));
    if (old && old.use_count() == 1) {
      old->stop();  // put_unbound_pool: its worker drains the list and leaves
      retired_.push_back(std::move(old));
    }
    // Retired pools whose worker has left are joined now; the others wait
    // for a later change (their last work may still be running).
    for (auto& p : retired_)
      if (p->exited()) done.push_back(std::move(p));
    std::erase(retired_, nullptr);
  }
  if (created && on_bind_) on_bind_(created->binding());  // outside m_: it may ask node_cpumask()
}

bool queue_work_node(int node, Workqueue& wq, WorkStruct& w) {
  {
    std::lock_guard g(w.m_);
    if (w.pending_) return false;  // WORK_STRUCT_PENDING already set: this queueing is merged
    w.pending_ = true;
    ++w.queued_;
  }
  // The node's pool may be retired and its worker gone meanwhile; the
  // current one is never stopped.
  while (!wq.pool_of(node)->insert_work(w)) {
  }
  return true;
}

bool queue_work(Workqueue& wq, WorkStruct& w) {
  const int cpu = worker_cpu();
  return queue_work_node(cpu >= 0 ? wq.map().cpu_to_node(static_cast<unsigned>(cpu)) : 0, wq, w);
}

bool flush_work(WorkStruct& w) {
  LockDep& dep = w.dep();
  // lock_map_acquire(&work->lockdep_map): records "my locks -> w" whether
  // or not there is anything to wait for, and marks the wait.
  dep.acquire(w, false);
  std::unique_lock lk(w.m_);
  const std::uint64_t target = w.queued_;
  const bool waits = w.finished_ < target;
  const auto since = std::chrono::steady_clock::now();
  while (w.finished_ < target) dep.wait_step(lk, w.cv_, since);
  lk.unlock();
  dep.acquired(w);
  dep.release(w);
  return waits;
}

int worker_cpu() noexcept { return tl_worker_cpu; }

}  // namespace pokebench::harness
