// pokebench_warn: the kernel's WARNING line, counted process-wide, reported
// through the one diagnostics sink (support/).
#include <pokebench/patcher/warn.h>
#include <pokebench/support/diagnostics.hpp>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <string>

namespace {
std::atomic<unsigned long> g_warnings{0};
}  // namespace

extern "C" void pokebench_warn(const char* file, int line, const char* func, const char* fmt, ...) {
  g_warnings.fetch_add(1, std::memory_order_relaxed);
  std::string message;
  if (fmt != nullptr) {
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    message = buf;
    while (!message.empty() && message.back() == '\n') message.pop_back();
  }
  pokebench::support::warning("WARNING at {}:{} {}(){}{}", file, line, func, message.empty() ? "" : ": ", message);
}

extern "C" unsigned long pokebench_warn_count(void) { return g_warnings.load(std::memory_order_relaxed); }
