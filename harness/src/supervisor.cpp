// The supervisor: one Boost.Interprocess segment (name removed at once), one
// forked child per run_child(), SIGKILL when the poll says so or on Ctrl-C.
#include <pokebench/harness/supervisor.hpp>
#include <pokebench/support/diagnostics.hpp>

#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <system_error>

namespace bip = boost::interprocess;

namespace pokebench::harness {
namespace {

volatile sig_atomic_t g_interrupted = 0;

void on_interrupt(int) { g_interrupted = 1; }

std::string unique_name() {
  static std::atomic<unsigned> counter{0};
  return "pokebench-" + std::to_string(getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
         std::to_string(static_cast<unsigned long>(time(nullptr)));
}

// Installs the parent's SIGINT/SIGTERM handlers for one child's lifetime.
class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

int thread_count() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
  }
  return n;
}

}  // namespace

struct Supervisor::Impl {
  std::string name;
  bip::managed_shared_memory segment;
};

Supervisor::Supervisor(std::size_t bytes) : impl_(std::make_unique<Impl>()) {
  impl_->name = unique_name();
  try {
    impl_->segment = bip::managed_shared_memory(bip::create_only, impl_->name.c_str(), bytes);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot create the shared memory segment /dev/shm/" + impl_->name + ": " + e.what() +
                             " (is /dev/shm mounted and writable?)");
  }
  // The mapping outlives the name: remove it now so nothing can leak.
  bip::shared_memory_object::remove(impl_->name.c_str());
}

Supervisor::~Supervisor() = default;  // unmaps; the name is long gone

void* Supervisor::allocate(std::size_t bytes, std::size_t align) {
  return impl_->segment.allocate_aligned(bytes, align);
}
void Supervisor::deallocate(void* p) { impl_->segment.deallocate(p); }
const std::string& Supervisor::segment_name() const noexcept { return impl_->name; }
bool Supervisor::interrupted() noexcept { return g_interrupted != 0; }

std::string Supervisor::ChildExit::describe() const {
  if (interrupted) return "interrupted (SIGINT/SIGTERM), child killed";
  if (killed) return "killed by the supervisor";
  if (exited) return "exited with code " + std::to_string(code);
  if (signal) return std::string("killed by signal ") + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "unknown";
}

Supervisor::ChildExit Supervisor::run_child(const std::function<int()>& child_main, const std::function<Poll()>& poll,
                                            std::chrono::milliseconds poll_interval) {
  ChildExit result;
  if (g_interrupted) {
    result.interrupted = true;
    return result;
  }
  // The child re-registers for membarrier and starts its own threads; a
  // fork from a multi-threaded parent would copy locks held by threads that
  // do not exist in the child.
  if (const int n = thread_count(); n > 1)
    throw std::logic_error("Supervisor::run_child: the supervising process has " + std::to_string(n) +
                           " threads; trials must be forked from a single-threaded process");
  InterruptGuard guard;
  const pid_t parent = getpid();
  std::fflush(nullptr);  // no buffered output duplicated into the child
  const pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    // Child: die with the supervisor, take Ctrl-C the default way.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(125);  // the parent died before prctl
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    int code = 3;
    try {
      code = child_main();
    } catch (const std::exception& e) {
      // Raw: the child's copy of the sink may be a capture that dies with it.
      support::raw_report(support::Severity::error, {"trial child: ", e.what()});
    } catch (...) {
      support::raw_report(support::Severity::error, {"trial child: unknown exception"});
    }
    std::fflush(nullptr);
    _exit(code);  // no atexit handlers, no destructors of the parent's objects
  }

  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) {
        result.exited = true;
        result.code = WEXITSTATUS(status);
      } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
      }
      // Ctrl-C reaches the whole process group: the child may die of it
      // before we notice the flag.
      result.interrupted = g_interrupted != 0;
      return result;
    }
    if (r < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    const bool stop = g_interrupted != 0;
    if (stop || (poll && poll() == Poll::kill)) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      result.killed = true;
      result.interrupted = stop;
      return result;
    }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(poll_interval).count();
    struct timespec ts {
      static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)
    };
    nanosleep(&ts, nullptr);
  }
}

}  // namespace pokebench::harness
