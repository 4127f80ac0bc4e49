// The SIGTRAP handler: what a thread does when it executes a site whose first
// byte is our int3 (the userspace poke_int3_handler).
//
//   policy skip        (v4.x)  resume at site+5: the site acts as the NOP,
//                              whichever way the key is going
//   policy emulate-new (v5.5+) execute the new instruction: jump to the
//                              target if it is the JMP, else site+5
//
// A trap on a site whose protocol has already finished (the int3 was
// replaced while the signal was being delivered) re-executes the site. Any
// other SIGTRAP is not ours and goes to the handler that was there before.
#include "internal.hpp"

#include <signal.h>
#include <ucontext.h>

#include <cstdio>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

namespace pokebench::patcher::detail {

std::atomic<Int3Policy> g_int3_policy{Int3Policy::emulate_new};

namespace {

struct sigaction g_previous{};

void chain_to_previous(int sig, siginfo_t* info, void* ctx) {
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(sig, info, ctx);
  } else if (g_previous.sa_handler == SIG_IGN) {
    return;
  } else if (g_previous.sa_handler == SIG_DFL || g_previous.sa_handler == nullptr) {
    // SIGTRAP is blocked while we run: the re-raised one is delivered with
    // the default action (core dump) as soon as we return.
    signal(SIGTRAP, SIG_DFL);
    raise(SIGTRAP);
  } else {
    g_previous.sa_handler(sig);
  }
}

void int3_handler(int sig, siginfo_t* info, void* vctx) {
  auto* uc = static_cast<ucontext_t*>(vctx);
  greg_t& rip = uc->uc_mcontext.gregs[REG_RIP];
  // int3 is a trap: RIP is already past the 0xcc.
  const auto site = static_cast<std::uintptr_t>(rip) - 1;
  if (SiteRecord* rec = lookup_site(site)) {
    // Acquire pairs with the release stores in the protocol (internal.hpp):
    // poking == 1 means new_is_jump is already valid.
    if (rec->poking.load(std::memory_order_acquire) != 0) {
      rec->int3_hits.fetch_add(1, std::memory_order_relaxed);
      counters().int3_hits.fetch_add(1, std::memory_order_relaxed);
      const bool jump = g_int3_policy.load(std::memory_order_relaxed) == Int3Policy::emulate_new &&
                        rec->new_is_jump.load(std::memory_order_relaxed) != 0;
      rip = static_cast<greg_t>(jump ? rec->target : site + kSiteSize);
      return;
    }
    if (*reinterpret_cast<const volatile std::uint8_t*>(site) != kInt3) {
      counters().int3_reexecuted.fetch_add(1, std::memory_order_relaxed);
      rip = static_cast<greg_t>(site);
      return;
    }
  }
  counters().stray_sigtraps.fetch_add(1, std::memory_order_relaxed);
  chain_to_previous(sig, info, vctx);
}

} // namespace

void ensure_int3_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa{};
    sa.sa_sigaction = int3_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTRAP, &sa, &g_previous) != 0)
      throw Error(fmt::format("cannot install the SIGTRAP handler: {}", std::strerror(errno)));
  });
}

} // namespace pokebench::patcher::detail

void pokebench::patcher::install_int3_handler() { detail::ensure_int3_handler(); }
