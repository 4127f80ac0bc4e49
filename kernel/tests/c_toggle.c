/* C code for test_kernel_cxx.cpp: a key and its branch, changed from C. */
#include <linux/jump_label.h>

DEFINE_STATIC_KEY_FALSE(c_toggle_key);

bool c_toggle_branch(void) { return static_branch_unlikely(&c_toggle_key); }
void c_toggle_enable(void) { static_branch_enable(&c_toggle_key); }
void c_toggle_disable(void) { static_branch_disable(&c_toggle_key); }
