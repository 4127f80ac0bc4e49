#include <pokebench/support/diagnostics.hpp>
#include <pokebench/support/names.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pokebench::support {
namespace {

constexpr std::string_view kTool = "pokebench: ";

// Writes all of [p, p + n) to standard error, retrying short writes and EINTR.
// Async-signal-safe. A failing standard error has nowhere left to be reported.
void write_stderr(const char* p, std::size_t n) noexcept {
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void default_sink(Severity s, std::string_view message) {
  const std::string line = format_line(s, message) + "\n";
  write_stderr(line.data(), line.size());
}

std::mutex g_mutex;
Sink g_sink;  // empty: default_sink

}  // namespace

constexpr std::pair<Severity, const char*> kSeverityNames[] = {
    {Severity::note, "note"}, {Severity::warning, "warning"}, {Severity::error, "error"}, {Severity::fatal, "fatal"}};

const char* to_string(Severity s) noexcept { return name_of(kSeverityNames, s); }

std::string format_line(Severity s, std::string_view message) {
  std::string line(kTool);
  line += to_string(s);
  line += ": ";
  line += message;
  return line;
}

Sink set_sink(Sink sink) {
  std::lock_guard lock(g_mutex);
  std::swap(g_sink, sink);
  return sink;
}

void report(Severity s, std::string_view message) {
  std::lock_guard lock(g_mutex);
  if (g_sink)
    g_sink(s, message);
  else
    default_sink(s, message);
}

void raw_report(Severity s, std::initializer_list<std::string_view> pieces) noexcept {
  char buf[4096];
  std::size_t n = 0;
  bool cut = false;
  const auto put = [&](std::string_view v) {
    const std::size_t room = sizeof buf - 4 - n;  // keep space for "...\n"
    if (v.size() > room) {
      v = v.substr(0, room);
      cut = true;
    }
    std::memcpy(buf + n, v.data(), v.size());
    n += v.size();
  };
  put(kTool);
  put(to_string(s));
  put(": ");
  for (const std::string_view p : pieces) put(p);
  if (cut) {
    std::memcpy(buf + n, "...", 3);
    n += 3;
  }
  buf[n++] = '\n';
  write_stderr(buf, n);
}

CapturedDiagnostics::CapturedDiagnostics() {
  previous_ = set_sink([this](Severity s, std::string_view m) {
    std::lock_guard lock(mutex_);
    messages_.push_back({s, std::string(m)});
  });
}

CapturedDiagnostics::~CapturedDiagnostics() { set_sink(std::move(previous_)); }

std::vector<CapturedDiagnostics::Message> CapturedDiagnostics::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::string CapturedDiagnostics::text() const {
  std::string out;
  for (const Message& m : messages()) out += format_line(m.severity, m.text) + "\n";
  return out;
}

}  // namespace pokebench::support
