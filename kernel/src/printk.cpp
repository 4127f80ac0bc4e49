// printk (kernel/printk/printk.c, reduced to what a test module needs): the
// KERN_<level> prefix is taken off and the message goes to stdout, as dmesg
// would show it; BUG() reports and aborts.
#include <linux/bug.h>
#include <linux/printk.h>
#include <pokebench/support/diagnostics.hpp>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

extern "C" {

int printk(const char* fmt, ...) {
  // A level is KERN_SOH ("\001") and one character ('0'..'7', 'c' for KERN_CONT).
  while (fmt[0] == '\001' && fmt[1] != '\0') fmt += 2;
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vprintf(fmt, ap);
  va_end(ap);
  std::fflush(stdout);
  return n;
}

void pokebench_bug(const char* file, int line, const char* func, const char* what) {
  std::fflush(stdout);
  pokebench::support::fatal("{} at {}:{} {}(): the kernel would oops here; aborting", what, file, line, func);
  std::abort();
}

}  // extern "C"
