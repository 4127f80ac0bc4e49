// Sites in a shared library: its own default-visibility key (preemptible, so
// the sites go through the indirect key slot) and a key of the executable.
#include <pokebench/linux/jump_label.h>

DEFINE_STATIC_KEY_FALSE(dso_key);
DECLARE_STATIC_KEY_FALSE(exe_key);

extern "C" int dso_branch_on_dso_key() { return static_branch_unlikely(&dso_key) ? 1 : 0; }
extern "C" int dso_branch_on_exe_key() { return static_branch_unlikely(&exe_key) ? 1 : 0; }
