#include <pokebench/support/signals.hpp>

#include <cerrno>

namespace pokebench::support {

int install_siginfo_handler(int sig, SiginfoHandler handler, struct sigaction* previous) noexcept {
  struct sigaction sa {};
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, previous) == 0 ? 0 : errno;
}

}  // namespace pokebench::support
