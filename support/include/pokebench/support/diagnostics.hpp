// One diagnostics sink for every pokebench library. A message is one line
// with one prefix per severity:
//   pokebench: note: ...      something the user should know (no action needed)
//   pokebench: warning: ...   the run goes on, its result may not mean much
//   pokebench: error: ...     this step failed; the caller decides what follows
//   pokebench: fatal: ...     an internal check failed; the process aborts next
// The default sink writes each line with a single write(2) to standard error.
// The CLI may install another sink; tests capture messages with
// CapturedDiagnostics. A sink runs under the sink lock (lines never
// interleave) and must not report itself.
//
// A forked child gets a copy of the parent's sink: messages a captured sink
// receives there stay in the child. Code in a forked child that must reach
// the terminal, or in a signal or abort path, uses raw_report instead.
#pragma once

#include <fmt/core.h>

#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pokebench::support {

enum class Severity { note, warning, error, fatal };

// "note", "warning", "error", "fatal".
const char* to_string(Severity s) noexcept;
// The whole line as the default sink prints it, without the newline:
// "pokebench: warning: <message>".
std::string format_line(Severity s, std::string_view message);

using Sink = std::function<void(Severity, std::string_view message)>;

// Installs `sink` for the whole process and returns the one it replaces. An
// empty Sink restores the default (standard error).
Sink set_sink(Sink sink);

// Sends one message (no trailing newline) to the current sink.
void report(Severity s, std::string_view message);

// note(...), warning(...), error(...), fatal(...): report() of a message in
// fmt's syntax, its format string checked at compile time.
template <Severity S>
struct Reporter {
  template <class... Args>
  void operator()(fmt::format_string<Args...> f, Args&&... args) const {
    report(S, fmt::format(f, std::forward<Args>(args)...));
  }
};
inline constexpr Reporter<Severity::note> note{};
inline constexpr Reporter<Severity::warning> warning{};
inline constexpr Reporter<Severity::error> error{};
inline constexpr Reporter<Severity::fatal> fatal{};

// Async-signal-safe: the prefix and the pieces, one write(2) to standard
// error, no lock, no allocation, the sink bypassed. Lines longer than 4 KiB
// are cut (and end in "...").
void raw_report(Severity s, std::initializer_list<std::string_view> pieces) noexcept;

// Captures every message while alive (the previous sink is restored after).
class CapturedDiagnostics {
 public:
  struct Message {
    Severity severity;
    std::string text;
  };
  CapturedDiagnostics();
  ~CapturedDiagnostics();
  CapturedDiagnostics(const CapturedDiagnostics&) = delete;
  CapturedDiagnostics& operator=(const CapturedDiagnostics&) = delete;

  std::vector<Message> messages() const;
  // Every line as the default sink would print it, each ending in '\n'.
  std::string text() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Message> messages_;
  Sink previous_;
};

}  // namespace pokebench::support
