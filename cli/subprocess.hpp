// Child processes for `pokebench ab` and `pokebench bisect`: started without a
// shell, in a process group of their own (so an interrupt can stop the whole
// tree: git, the build, the benchmark), output to files.
#pragma once

#include <csignal>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace pokebench::cli {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  bool ok() const { return exit_code == 0; }
  std::string describe() const;  // "exit 3" / "signal 15"
};

struct ProcessSpec {
  std::vector<std::string> argv;      // argv[0] is looked up in PATH when it has no '/'
  std::filesystem::path cwd;          // "" = ours
  std::filesystem::path stdout_path;  // "" = ours
  std::filesystem::path stderr_path;  // "" = ours; == stdout_path: both into one file
};

// Runs the child to completion. While it runs, an interrupt (see
// InterruptGuard) is forwarded to its process group as SIGTERM; the call then
// waits for it and throws Interrupted. Throws std::runtime_error when it
// cannot be started.
ProcessResult run_process(const ProcessSpec& spec);

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// While alive, SIGINT, SIGTERM and SIGHUP set a flag instead of killing us,
// so the caller can clean up; interrupted() says whether one came.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static bool interrupted() noexcept;
  static int signal_number() noexcept;  // the first one that came
  static void clear() noexcept;         // so cleanup can run its own children

 private:
  struct sigaction old_[3]{};
};

// Throws Interrupted when an interrupt came.
void check_interrupt();

// The last `lines` lines of a text file ("" when unreadable).
std::string tail_of(const std::filesystem::path& file, int lines = 20);

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on
// destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace pokebench::cli
