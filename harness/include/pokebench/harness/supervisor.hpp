// Trials in forked children, supervised through a Boost.Interprocess managed
// shared memory segment.
//
// The segment is created under a unique name, mapped, and its name removed at
// once: the mapping stays valid in this process and in every child forked
// later, and nothing is left in /dev/shm whatever happens next (kill -9,
// Ctrl-C, a crash). Children get PR_SET_PDEATHSIG(SIGKILL), so they never
// outlive the supervisor either.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace pokebench::harness {

class Supervisor {
 public:
  explicit Supervisor(std::size_t bytes = 1 << 20);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Constructs a T in the segment (visible to children forked afterwards).
  template <class T>
  T* make() {
    return new (allocate(sizeof(T), alignof(T))) T();
  }
  template <class T>
  void destroy(T* p) {
    p->~T();
    deallocate(p);
  }

  enum class Poll { keep_waiting, kill };
  struct ChildExit {
    bool exited = false;  // exited by itself (code valid)
    int code = 0;
    int signal = 0;            // terminated by this signal
    bool killed = false;       // we killed it (poll said so, or interrupted)
    bool interrupted = false;  // SIGINT/SIGTERM reached the supervisor
    std::string describe() const;
  };

  // Fork; the child runs child_main and _exits with its return value (3 if
  // it throws). The parent calls poll every poll_interval until the child
  // exits or poll says kill (then SIGKILL and reap). The calling process
  // must be single-threaded.
  ChildExit run_child(const std::function<int()>& child_main, const std::function<Poll()>& poll,
                      std::chrono::milliseconds poll_interval = std::chrono::milliseconds(2));

  // The name the segment had (already removed).
  const std::string& segment_name() const noexcept;
  // True once SIGINT or SIGTERM arrived while a child ran.
  static bool interrupted() noexcept;

 private:
  void* allocate(std::size_t bytes, std::size_t align);
  void deallocate(void* p);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pokebench::harness
