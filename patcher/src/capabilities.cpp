// What this machine lets the patcher do, found by trying it on a site of our
// own (never by trusting what the kernel advertises).
#include "internal.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pokebench::patcher {
namespace {

pokebench::static_key_false g_probe_key = POKEBENCH_STATIC_KEY_INIT_FALSE;

// The only site of g_probe_key.
[[gnu::noinline]] bool probe_branch() { return POKEBENCH_STATIC_BRANCH_UNLIKELY(&g_probe_key); }

std::uintptr_t page_of(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) & ~static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE) - 1);
}

}  // namespace

Capabilities probe_capabilities() {
  Capabilities caps;
  std::string why;
  caps.membarrier_sync_core = register_membarrier(&why);
  caps.membarrier_detail = caps.membarrier_sync_core ? "PRIVATE_EXPEDITED_SYNC_CORE registered" : why;

  const auto sites = sites_of(&g_probe_key.key);
  if (sites.size() != 1) {
    caps.mprotect_detail = caps.procmem_detail =
        fmt::format("the patcher's own probe site is not registered ({} sites found)", sites.size());
    return caps;
  }
  const void* site = sites[0].code;
  std::lock_guard lock(detail::jump_label_mutex());  // nobody patches while we probe

  // RX -> RWX -> RX on the probe's page, without writing.
  void* page = reinterpret_cast<void*>(page_of(site));
  const auto len = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (mprotect(page, len, PROT_READ | PROT_WRITE | PROT_EXEC) == 0) {
    mprotect(page, len, PROT_READ | PROT_EXEC);
    caps.mprotect_rwx = true;
    caps.mprotect_detail = "text pages can be made RWX";
  } else {
    caps.mprotect_detail = fmt::format(
        "mprotect(RWX) refused: {} (W^X policy such as SELinux execmem, MDWE or "
        "PaX); the procmem backend may still work",
        std::strerror(errno));
  }

  // Write the probe site's first byte as int3 and back, and read the text
  // after each write: a sandbox can accept the write and change nothing.
  // Nothing executes the probe site meanwhile (self_check, its only caller,
  // needs the lock held here).
  const int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    caps.procmem_detail = fmt::format("cannot open /proc/self/mem read-write: {}", std::strerror(errno));
  } else {
    const auto at = static_cast<off_t>(reinterpret_cast<std::uintptr_t>(site));
    const std::uint8_t original = *static_cast<const volatile std::uint8_t*>(site);
    const std::uint8_t trap = kInt3;
    const ssize_t n = pwrite(fd, &trap, 1, at);
    const bool changed = n == 1 && *static_cast<const volatile std::uint8_t*>(site) == trap;
    const ssize_t m = n == 1 ? pwrite(fd, &original, 1, at) : 1;
    const bool restored = *static_cast<const volatile std::uint8_t*>(site) == original;
    caps.procmem_write = changed && m == 1 && restored;
    if (n != 1 || m != 1)
      caps.procmem_detail =
          fmt::format("pwrite to /proc/self/mem refused: {}", n < 0 || m < 0 ? std::strerror(errno) : "short write");
    else if (!changed)
      caps.procmem_detail = "writes to /proc/self/mem are accepted but change nothing (a sandbox does this)";
    else
      caps.procmem_detail = "writes to text through /proc/self/mem work";
    close(fd);
  }
  return caps;
}

// The functional self-check: flip the probe key through `backend` and check
// the site's bytes and the branch both ways. Empty string on success.
std::string self_check(Backend backend, Int3Policy policy, ApplyMode mode) {
  Config cfg;
  cfg.backend = backend;
  cfg.int3 = policy;
  cfg.apply = mode;
  std::string failure;
  try {
    const auto before = sites_of(&g_probe_key.key);
    if (before.size() != 1 || before[0].bytes != kNop5 || probe_branch())
      failure = "probe site is not the 5-byte NOP, or its branch is taken, before enabling";
    static_key_enable(&g_probe_key.key, cfg);
    const auto after = sites_of(&g_probe_key.key);
    if (failure.empty() &&
        (after[0].bytes != site_instruction(after[0], true) || after[0].bytes[0] != kJmp32 || !probe_branch()))
      failure = "probe site is not the JMP, or its branch is not taken, after enabling";
    static_key_disable(&g_probe_key.key, cfg);
    if (failure.empty() && (sites_of(&g_probe_key.key)[0].bytes != kNop5 || probe_branch()))
      failure = "probe site is not the NOP, or its branch is taken, after disabling";
  } catch (const Error& e) {
    failure = e.what();
  }
  return failure;
}

}  // namespace pokebench::patcher
