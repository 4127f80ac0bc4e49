// The SIGTRAP handler: what a thread does when it executes a site whose first
// byte is our int3 (the userspace poke_int3_handler).
//
//   policy skip        (v4.x)  resume at site+5: the site acts as the NOP,
//                              whichever way the key is going
//   policy emulate-new (v5.5+) execute the new instruction: jump to the
//                              target if it is the JMP, else site+5
//
// A trap on a site whose protocol has already finished (the int3 was
// replaced while the signal was being delivered) re-executes the site, even
// when the next update's int3 is there by then (it traps again, into that
// update). Any other SIGTRAP is not ours and goes to the handler that was
// there before.
#include "internal.hpp"

#include <pokebench/support/signals.hpp>

#include <signal.h>
#include <ucontext.h>

#include <cstdio>
#include <cstring>
#include <mutex>

#include <fmt/format.h>

namespace pokebench::patcher::detail {

std::atomic<Int3Policy> g_int3_policy{Int3Policy::emulate_new};

namespace {

struct sigaction g_previous {};

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
    // The handler may run long after the trap: membarrier does not wait for a
    // thread that is being preempted on its way here. By then the update
    // whose int3 it hit may be over, and the next one may have put its own
    // int3 in. So it reads the site between two reads of the update count,
    // as a seqcount reader does, and looks again when the count moved.
    for (;;) {
      // Acquire pairs with the release stores in start_poking/finish_poking.
      const std::uint32_t seq = rec->poke_seq.load(std::memory_order_acquire);
      if ((seq & 1u) != 0) {  // an update is in progress: new_is_jump is its own
        rec->int3_hits.fetch_add(1, std::memory_order_relaxed);
        counters().int3_hits.fetch_add(1, std::memory_order_relaxed);
        const bool jump = g_int3_policy.load(std::memory_order_relaxed) == Int3Policy::emulate_new &&
                          rec->new_is_jump.load(std::memory_order_relaxed) != 0;
        rip = static_cast<greg_t>(jump ? rec->target : site + kSiteSize);
        return;
      }
      // Acquire: the count is read again only after the byte.
      const std::uint8_t first = __atomic_load_n(reinterpret_cast<const std::uint8_t*>(site), __ATOMIC_ACQUIRE);
      if (rec->poke_seq.load(std::memory_order_acquire) != seq) continue;
      if (first != kInt3) {  // the update finished: run the site's final bytes
        counters().int3_reexecuted.fetch_add(1, std::memory_order_relaxed);
        rip = static_cast<greg_t>(site);
        return;
      }
      break;  // an int3 that no update of ours wrote
    }
  }
  counters().stray_sigtraps.fetch_add(1, std::memory_order_relaxed);
  chain_to_previous(sig, info, vctx);
}

}  // namespace

void ensure_int3_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const int e = support::install_siginfo_handler(SIGTRAP, int3_handler, &g_previous))
      throw Error(fmt::format("cannot install the SIGTRAP handler: {}", std::strerror(e)));
  });
}

}  // namespace pokebench::patcher::detail

void pokebench::patcher::install_int3_handler() { detail::ensure_int3_handler(); }
