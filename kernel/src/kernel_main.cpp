// main() of a program built from kernel modules (pokebench::kernel_main):
// every module_init in link order, then every module_exit in reverse, with
// key changes patched through the protocol chosen on the command line.
#include "module_runner.h"

#include <pokebench/patcher/patcher.hpp>
#include <pokebench/support/diagnostics.hpp>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

namespace patcher = pokebench::patcher;

namespace {

void usage(const char* argv0) {
  std::printf(
      "usage: %s [--backend mprotect|procmem] [--int3 skip|emulate-new] [--apply per-site|batched]\n\n"
      "Runs every module_init() of the modules linked into this program in link order, then every\n"
      "module_exit() of the modules whose init succeeded, in reverse, and prints one line per step.\n"
      "Key changes patch their sites through the given protocol (default: procmem, emulate-new, batched;\n"
      "per-site + skip is v4.x's text_poke_bp).\n"
      "Exit status: 0 when every init returned 0 and no WARN fired, 1 otherwise, 2 on bad usage.\n",
      argv0);
}

template <class T>
bool parse_option(const char* argv0, const char* option, const char* value, std::optional<T> (*parse)(std::string_view),
                  const char* choices, T* out) {
  if (value == nullptr) {
    pokebench::support::error("{} needs a value; one of {}", option, choices);
    return false;
  }
  const std::optional<T> parsed = parse(value);
  if (!parsed) {
    pokebench::support::error("{} '{}' is not known; use one of {} (see {} --help)", option, value, choices, argv0);
    return false;
  }
  *out = *parsed;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  patcher::Config policy;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    bool ok = true;
    if (std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0) {
      usage(argv[0]);
      return 0;
    } else if (std::strcmp(arg, "--backend") == 0) {
      ok = parse_option(argv[0], arg, value, patcher::parse_backend, "mprotect, procmem", &policy.backend);
    } else if (std::strcmp(arg, "--int3") == 0) {
      ok = parse_option(argv[0], arg, value, patcher::parse_int3_policy, "skip, emulate-new", &policy.int3);
    } else if (std::strcmp(arg, "--apply") == 0) {
      ok = parse_option(argv[0], arg, value, patcher::parse_apply_mode, "per-site, batched", &policy.apply);
    } else {
      pokebench::support::error("unknown argument '{}'; see {} --help", arg, argv[0]);
      return 2;
    }
    if (!ok) return 2;
    ++i;
  }
  std::printf("kernel_main: backend=%s int3=%s apply=%s\n", patcher::to_string(policy.backend),
              patcher::to_string(policy.int3), patcher::to_string(policy.apply));
  const patcher::ScopedPolicy scoped(policy);
  return pokebench_run_modules();
}
