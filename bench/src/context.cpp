// The machine and build a comparison ran on (compare's "context").
#include <pokebench/bench/compare.hpp>
#include <pokebench/bench/counters.hpp>

#include "pokebench_build_info.h"
#include "pokebench_git_sha.h"

#include <cpuid.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>

namespace pokebench::bench {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "unknown";
}

// CPUID.1:ECX bit 31 is the hypervisor bit; leaf 0x40000000 names it.
std::string hypervisor() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31))) return {};
  __cpuid(0x40000000, a, b, c, d);
  char id[13] = {};
  std::memcpy(id, &b, 4);
  std::memcpy(id + 4, &c, 4);
  std::memcpy(id + 8, &d, 4);
  return id[0] ? std::string(id) : std::string("unknown");
}

}  // namespace

CompareContext collect_context() {
  CompareContext c;
  c.git_sha = POKEBENCH_GIT_SHA;
#if defined(__clang__)
  c.compiler = fmt::format("Clang {}", __clang_version__);
#elif defined(__GNUC__)
  c.compiler = fmt::format("GCC {}", __VERSION__);
#else
  c.compiler = "unknown";
#endif
  c.flags = fmt::format("{}{}{}", POKEBENCH_BUILD_TYPE, POKEBENCH_CXX_FLAGS[0] ? ": " : "", POKEBENCH_CXX_FLAGS);
  utsname u{};
  c.kernel = uname(&u) == 0 ? fmt::format("{} {}", u.sysname, u.release) : "unknown";
  c.cpu_model = cpu_model();
  c.cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  c.hypervisor = hypervisor();
  c.vm = !c.hypervisor.empty();
  const auto& counters = counter_support();
  c.counters = to_string(counters.cycles);
  c.tsc_ghz = counters.tsc_ghz;
  c.core_ghz_estimate = counters.tsc_ghz * counters.core_per_tick;
  c.date = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
  return c;
}

}  // namespace pokebench::bench
