// Kernel-style code, unchanged but for the include path.
#include <pokebench/linux/jump_label.h>

#include <cstdio>

DEFINE_STATIC_KEY_FALSE(feature_key);

static int hot_path(void) {
  if (static_branch_unlikely(&feature_key)) return 1;
  return 0;
}

int main(void) {
  int ok = hot_path() == 0;
  static_branch_inc(&feature_key);
  ok &= hot_path() == 1 && static_key_count(&feature_key.key) == 1;
  static_branch_dec(&feature_key);
  ok &= hot_path() == 0 && !static_key_enabled(&feature_key);
  std::puts(ok ? "consumer: OK" : "consumer: FAILED");
  return ok ? 0 : 1;
}
