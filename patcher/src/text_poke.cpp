// Writing bytes into live code: the two userspace analogues of text_poke().
#include "internal.hpp"

#include <pokebench/support/diagnostics.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pokebench::patcher::detail {
namespace {

std::uintptr_t page_size() {
  static const auto ps = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  return ps;
}

// mprotect backend: the pages go RX -> RWX -> RX around the writes, never
// dropping X: a thread executing on the page meanwhile would fault
// (docs/kernel.md §5 and §10). One window covers every page a protocol step touches, so
// a batch pays for two mprotect calls per step, not two per site.
void set_protection(const std::vector<std::pair<std::uintptr_t, std::uintptr_t>>& ranges, int prot) {
  for (const auto& [first, last] : ranges) {
    if (mprotect(reinterpret_cast<void*>(first), last - first, prot) == 0) continue;
    const int err = errno;
    if (prot & PROT_WRITE)
      throw Error(fmt::format(
          "mprotect backend: making the text page at {:#x} writable+executable failed: {}{}; use the procmem "
          "backend (--backend procmem), which writes through /proc/self/mem and never makes text writable",
          first, std::strerror(err),
          err == EACCES ? " (W^X policy: SELinux execmem/execmod, MDWE/MemoryDenyWriteExecute or PaX MPROTECT)" : ""));
    throw Error(fmt::format("mprotect backend: restoring R-X on {:#x} failed: {}", first, std::strerror(err)));
  }
}

// procmem backend: the kernel writes for us (FOLL_FORCE), breaking COW on the
// text page; userspace never holds a writable mapping of it. The descriptor
// is per process (/proc/self resolves at open()): a forked child drops the
// parent's and opens its own.
int g_procmem_fd = -1;

void procmem_forget_in_child() noexcept {
  if (g_procmem_fd >= 0) close(g_procmem_fd);
  g_procmem_fd = -1;
}

int procmem_fd() {
  static const bool registered = pthread_atfork(nullptr, nullptr, procmem_forget_in_child) == 0;
  (void)registered;
  if (g_procmem_fd >= 0) return g_procmem_fd;
  g_procmem_fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  if (g_procmem_fd < 0)
    throw Error(
        fmt::format("procmem backend: cannot open /proc/self/mem for writing: {} (is /proc mounted, "
                    "and writes to it allowed?); use the mprotect backend (--backend mprotect)",
                    std::strerror(errno)));
  return g_procmem_fd;
}

void poke_procmem(std::uintptr_t addr, const std::uint8_t* bytes, std::size_t len) {
  const int fd = procmem_fd();
  const ssize_t n = pwrite(fd, bytes, len, static_cast<off_t>(addr));
  if (n != static_cast<ssize_t>(len))
    throw Error(
        fmt::format("procmem backend: pwrite of {} bytes to /proc/self/mem at {:#x} failed: {}; use the "
                    "mprotect backend (--backend mprotect)",
                    len, addr, n < 0 ? std::strerror(errno) : "short write"));
  if (std::memcmp(reinterpret_cast<const void*>(addr), bytes, len) != 0)
    throw Error(
        fmt::format("procmem backend: /proc/self/mem accepted {} bytes at {:#x} but the text did not "
                    "change (writes there have no effect on this machine); use the mprotect backend "
                    "(--backend mprotect)",
                    len, addr));
}

}  // namespace

PokeWindow::PokeWindow(Backend backend, const std::vector<std::uintptr_t>& sites) : backend_(backend) {
  if (backend_ != Backend::mprotect) return;
  for (std::uintptr_t site : sites) {
    const std::uintptr_t first = site & ~(page_size() - 1);
    const std::uintptr_t last = (site + kSiteSize + page_size() - 1) & ~(page_size() - 1);
    ranges_.emplace_back(first, last);
  }
  std::sort(ranges_.begin(), ranges_.end());
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> merged;
  for (const auto& r : ranges_) {
    if (!merged.empty() && r.first <= merged.back().second)
      merged.back().second = std::max(merged.back().second, r.second);
    else
      merged.push_back(r);
  }
  ranges_ = std::move(merged);
  set_protection(ranges_, PROT_READ | PROT_WRITE | PROT_EXEC);
  open_ = true;
  counters().write_windows.fetch_add(ranges_.size(), std::memory_order_relaxed);
}

void PokeWindow::close() {
  if (!open_) return;
  open_ = false;
  set_protection(ranges_, PROT_READ | PROT_EXEC);
}

PokeWindow::~PokeWindow() {
  if (!open_) return;
  try {
    close();
  } catch (const Error& e) {
    support::warning("{}", e.what());  // destructor during unwinding: say it, go on
  }
}

void PokeWindow::write(std::uintptr_t addr, const std::uint8_t* bytes, std::size_t len) {
  if (backend_ == Backend::mprotect) {
    // Byte stores: the int3 protocol, not the width of the store, makes the
    // change safe for threads executing here.
    auto* dst = reinterpret_cast<volatile std::uint8_t*>(addr);
    for (std::size_t i = 0; i < len; ++i) dst[i] = bytes[i];
  } else {
    poke_procmem(addr, bytes, len);
    counters().write_windows.fetch_add(1, std::memory_order_relaxed);  // each pwrite is its own window
  }
  counters().writes.fetch_add(1, std::memory_order_relaxed);
  counters().bytes_written.fetch_add(len, std::memory_order_relaxed);
}

}  // namespace pokebench::patcher::detail
