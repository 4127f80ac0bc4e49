#include "subprocess.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

extern char** environ;

namespace pokebench::cli {
namespace {

volatile std::sig_atomic_t g_interrupt = 0;
volatile std::sig_atomic_t g_first_signal = 0;  // kept across clear(), for the message
constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};

void on_interrupt(int sig) {
  if (g_interrupt == 0) g_interrupt = sig;
  if (g_first_signal == 0) g_first_signal = sig;
}

}  // namespace

std::string ProcessResult::describe() const {
  return exit_code >= 0 ? fmt::format("exit {}", exit_code) : fmt::format("signal {} ({})", signal, strsignal(signal));
}

InterruptGuard::InterruptGuard() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR and we forward the signal
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &old_[i]);
}

InterruptGuard::~InterruptGuard() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &old_[i], nullptr);
}

bool InterruptGuard::interrupted() noexcept { return g_interrupt != 0; }
int InterruptGuard::signal_number() noexcept { return g_first_signal; }
void InterruptGuard::clear() noexcept { g_interrupt = 0; }

void check_interrupt() {
  if (InterruptGuard::interrupted()) throw Interrupted();
}

ProcessResult run_process(const ProcessSpec& spec) {
  check_interrupt();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!spec.stdout_path.empty())
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, spec.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
  if (!spec.stderr_path.empty() && spec.stderr_path == spec.stdout_path)
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  else if (!spec.stderr_path.empty())
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, spec.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: our interrupt stops the whole tree
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : kSignals) sigaddset(&defaults, s);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error(fmt::format("cannot start '{}': {}", spec.argv[0], std::strerror(rc)));

  int status = 0;
  bool forwarded = false;
  for (;;) {
    if (waitpid(pid, &status, 0) == pid) break;
    if (errno != EINTR) throw std::runtime_error(fmt::format("waitpid: {}", std::strerror(errno)));
    if (InterruptGuard::interrupted() && !forwarded) {
      kill(-pid, SIGTERM);
      forwarded = true;
    }
  }
  if (InterruptGuard::interrupted()) {
    // The child's own children (git bisect run's step) may still be cleaning
    // up in its group: give them 10 s, then kill what is left.
    kill(-pid, SIGTERM);
    for (int i = 0; i < 1000 && kill(-pid, 0) == 0; ++i) usleep(10'000);
    kill(-pid, SIGKILL);
    throw Interrupted();
  }
  ProcessResult r;
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

std::string tail_of(const std::filesystem::path& file, int lines) {
  std::ifstream in(file);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += "  " + l + "\n";
  return out;
}

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error(
        fmt::format("cannot create a temporary directory {}: {}; set TMPDIR to a writable "
                    "directory",
                    tmpl, std::strerror(errno)));
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace pokebench::cli
