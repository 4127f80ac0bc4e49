// Cross-modifying-code serialisation: membarrier(PRIVATE_EXPEDITED_SYNC_CORE).
//
// membarrier IPIs every CPU running a thread of this process and makes it
// execute a core-serialising instruction before returning to user mode; it
// cannot be refused by the target thread, which is why the harness adds the
// "every CPU acknowledges" step on top (Config::cpu_sync).
#include "internal.hpp"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pokebench::patcher {
namespace {

int sys_membarrier(int cmd) { return static_cast<int>(syscall(__NR_membarrier, cmd, 0U, 0)); }

std::atomic<pid_t> g_registered_pid{0};

}  // namespace

bool register_membarrier(std::string* why) noexcept {
  const int mask = sys_membarrier(MEMBARRIER_CMD_QUERY);
  if (mask < 0) {
    if (why)
      *why = fmt::format("membarrier() is not available: {} (kernel < 4.3, seccomp or gVisor?)", std::strerror(errno));
    return false;
  }
  if ((mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) == 0) {
    if (why) *why = "membarrier has no PRIVATE_EXPEDITED_SYNC_CORE command here (needs Linux >= 4.16 on x86-64)";
    return false;
  }
  if (sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE) != 0) {
    if (why) *why = fmt::format("membarrier SYNC_CORE registration failed: {}", std::strerror(errno));
    return false;
  }
  g_registered_pid.store(getpid(), std::memory_order_relaxed);
  if (why) why->clear();
  return true;
}

namespace detail {

void membarrier_sync_core() {
  if (g_registered_pid.load(std::memory_order_relaxed) != getpid()) {
    std::string why;
    if (!register_membarrier(&why))
      throw Error(why + "; without it code cannot be patched safely while other threads run it");
  }
  if (sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) != 0)
    throw Error(fmt::format("membarrier SYNC_CORE failed: {}", std::strerror(errno)));
}

}  // namespace detail

namespace {
// Registration is per mm: a forked child starts unregistered. Register while
// the process (or the fresh child) is still single-threaded: later
// registration waits for an RCU grace period.
void register_in_child() noexcept { register_membarrier(nullptr); }

[[gnu::constructor]] void register_early() {
  register_membarrier(nullptr);
  pthread_atfork(nullptr, nullptr, register_in_child);
}
}  // namespace

}  // namespace pokebench::patcher
