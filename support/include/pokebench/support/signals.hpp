// Installing a process-wide SA_SIGINFO handler, as the patcher (SIGTRAP) and
// the harness (its IPI signal) both do.
#pragma once

#include <csignal>

namespace pokebench::support {

using SiginfoHandler = void (*)(int, siginfo_t*, void*);

// Installs `handler` for `sig` with SA_SIGINFO | SA_RESTART and nothing
// masked, keeping the previous action in `previous` (when not null). Returns
// 0, or the errno of the failed sigaction.
int install_siginfo_handler(int sig, SiginfoHandler handler, struct sigaction* previous = nullptr) noexcept;

}  // namespace pokebench::support
