// The scenarios kernel C code declares (pokebench/kernel/scenario.h), in the
// order their constructors registered them, and the oracles it reports.
// Plain data: the harness adopts them (harness/src/c_scenario.cpp). Here, in
// the shared library every scenario library links, so that scenarios from
// the executable and from libraries loaded with --load meet in one list.
#include <pokebench/kernel/reader_hook.h>
#include <pokebench/kernel/scenario.h>

#include <atomic>
#include <mutex>
#include <vector>

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<const pokebench_scenario*> all;
};

Registry& registry() {
  static auto* r = new Registry;  // constructors run before any static of ours; never destroyed
  return *r;
}

std::atomic<unsigned long> g_torn_reads{0};

struct ReaderHook {
  void (*fn)(void*) = nullptr;
  void* arg = nullptr;
};
thread_local ReaderHook t_reader_hook;

}  // namespace

extern "C" {

void pokebench_scenario_register(const struct pokebench_scenario* s) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (const pokebench_scenario* known : r.all)
    if (known == s) return;
  r.all.push_back(s);
}

unsigned pokebench_scenario_count(void) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return static_cast<unsigned>(r.all.size());
}

const struct pokebench_scenario* pokebench_scenario_at(unsigned i) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return i < r.all.size() ? r.all[i] : nullptr;
}

// Relaxed: a count, read by the same trial child after its vCPUs joined.
void pokebench_report_torn_read(void) { g_torn_reads.fetch_add(1, std::memory_order_relaxed); }
unsigned long pokebench_torn_reads(void) { return g_torn_reads.load(std::memory_order_relaxed); }

void pokebench_set_thread_reader_hook(void (*hook)(void* arg), void* arg) { t_reader_hook = {hook, arg}; }

void pokebench_reader_hook(void) {
  if (t_reader_hook.fn != nullptr) t_reader_hook.fn(t_reader_hook.arg);
}

}  // extern "C"
