// Built several times (-O0, -O2, LTO, --gc-sections, PIE) and linked with a
// shared library that has sites too: every site is found and patched.
#include <pokebench/linux/jump_label.h>
#include <pokebench/patcher/patcher.hpp>

#include <cstdio>

DEFINE_STATIC_KEY_FALSE(exe_key);
DECLARE_STATIC_KEY_FALSE(dso_key);

extern "C" int dso_branch_on_dso_key();
extern "C" int dso_branch_on_exe_key();

namespace {
int failures = 0;
void check(bool ok, const char* what) {
  if (!ok) {
    std::printf("FAIL: %s\n", what);
    ++failures;
  }
}
// Inlined into two callers: two sites.
inline __attribute__((always_inline)) int exe_branch() { return static_branch_unlikely(&exe_key) ? 1 : 0; }
[[gnu::noinline]] int caller_one() { return exe_branch(); }
[[gnu::noinline]] int caller_two() { return exe_branch() + static_branch_likely(&dso_key) * 0; }
}  // namespace

int main() {
  const auto exe_sites = pokebench::patcher::sites_of(&exe_key.key);
  const auto dso_sites = pokebench::patcher::sites_of(&dso_key.key);
  std::printf("exe_key: %zu sites, dso_key: %zu sites\n", exe_sites.size(), dso_sites.size());
  check(exe_sites.size() == 3, "exe_key has 3 sites (2 inlined copies in the executable, 1 in the library)");
  check(dso_sites.size() == 2, "dso_key has 2 sites (1 in the library, 1 in the executable)");
  check(caller_one() == 0 && caller_two() == 0 && dso_branch_on_exe_key() == 0, "exe_key branches off");
  check(dso_branch_on_dso_key() == 0, "dso_key branch off");

  static_branch_enable(&exe_key);
  check(caller_one() == 1 && caller_two() == 1 && dso_branch_on_exe_key() == 1, "exe_key branches on");
  check(dso_branch_on_dso_key() == 0, "dso_key untouched");
  static_branch_enable(&dso_key);
  check(dso_branch_on_dso_key() == 1, "dso_key branch on");
  static_branch_disable(&exe_key);
  static_branch_disable(&dso_key);
  check(caller_one() == 0 && caller_two() == 0 && dso_branch_on_exe_key() == 0, "exe_key branches off again");
  check(dso_branch_on_dso_key() == 0, "dso_key branch off again");
  for (const auto& s : pokebench::patcher::all_sites())
    if (s.key == &exe_key.key || s.key == &dso_key.key)
      check(s.bytes == pokebench::patcher::site_instruction(s, false), "every site back to its disabled bytes");
  std::printf("%s\n", failures == 0 ? "link check: OK" : "link check: FAILED");
  return failures == 0 ? 0 : 1;
}
