// Writing bytes into live code: the two userspace analogues of text_poke().
#include "internal.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pokebench::patcher::detail {
namespace {

std::uintptr_t page_size() {
  static const auto ps = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  return ps;
}

// mprotect backend: the page(s) go RX -> RWX -> RX. X is never dropped: a
// thread executing on the page meanwhile would fault (KERNEL-NOTES 7).
void poke_mprotect(std::uintptr_t addr, const std::uint8_t* bytes, std::size_t len) {
  const std::uintptr_t first = addr & ~(page_size() - 1);
  const std::uintptr_t last = (addr + len + page_size() - 1) & ~(page_size() - 1);
  void* page = reinterpret_cast<void*>(first);
  if (mprotect(page, last - first, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
    const int err = errno;
    throw Error(fmt::format(
        "mprotect backend: making the text page at {:#x} writable+executable failed: {}{}; use the procmem "
        "backend (--backend procmem), which writes through /proc/self/mem and never makes text writable",
        first, std::strerror(err),
        err == EACCES ? " (W^X policy: SELinux execmem/execmod, MDWE/MemoryDenyWriteExecute or PaX MPROTECT)"
                      : ""));
  }
  // Byte stores: the int3 protocol, not the width of the store, makes the
  // change safe for threads executing here.
  auto* dst = reinterpret_cast<volatile std::uint8_t*>(addr);
  for (std::size_t i = 0; i < len; ++i) dst[i] = bytes[i];
  if (mprotect(page, last - first, PROT_READ | PROT_EXEC) != 0)
    throw Error(fmt::format("mprotect backend: restoring R-X on {:#x} failed: {}", first, std::strerror(errno)));
}

// procmem backend: the kernel writes for us (FOLL_FORCE), breaking COW on the
// text page; userspace never holds a writable mapping of it. The descriptor
// is per process: /proc/self resolves at open(), so a forked child reopens.
struct ProcMem {
  int fd = -1;
  pid_t pid = 0;
};
ProcMem g_procmem;

int procmem_fd() {
  if (g_procmem.fd >= 0 && g_procmem.pid == getpid()) return g_procmem.fd;
  if (g_procmem.fd >= 0) close(g_procmem.fd);
  g_procmem.fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  g_procmem.pid = getpid();
  if (g_procmem.fd < 0)
    throw Error(fmt::format("procmem backend: cannot open /proc/self/mem for writing: {} (is /proc mounted, "
                            "and writes to it allowed?); use the mprotect backend (--backend mprotect)",
                            std::strerror(errno)));
  return g_procmem.fd;
}

void poke_procmem(std::uintptr_t addr, const std::uint8_t* bytes, std::size_t len) {
  const int fd = procmem_fd();
  const ssize_t n = pwrite(fd, bytes, len, static_cast<off_t>(addr));
  if (n != static_cast<ssize_t>(len))
    throw Error(fmt::format("procmem backend: pwrite of {} bytes to /proc/self/mem at {:#x} failed: {}; use the "
                            "mprotect backend (--backend mprotect)",
                            len, addr, n < 0 ? std::strerror(errno) : "short write"));
}

} // namespace

void text_poke(Backend backend, std::uintptr_t addr, const std::uint8_t* bytes, std::size_t len) {
  if (backend == Backend::mprotect)
    poke_mprotect(addr, bytes, len);
  else
    poke_procmem(addr, bytes, len);
  counters().writes.fetch_add(1, std::memory_order_relaxed);
}

} // namespace pokebench::patcher::detail
