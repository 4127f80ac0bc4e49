// SPDX-License-Identifier: GPL-2.0
/*
 * Scenarios declared wrongly, one mistake each, for the tests of the errors
 * pokebench gives (examples/tests/CMakeLists.txt):
 *   no-reader      no reader function
 *   siteless-key   a key in .keys that no static branch tests
 *   stray-key      a toggler that changes a key .keys does not list
 */
#include <asm/barrier.h>
#include <linux/jump_label.h>
#include <pokebench/kernel/scenario.h>

DEFINE_STATIC_KEY_FALSE(listed_key);
DEFINE_STATIC_KEY_FALSE(unlisted_key);
DEFINE_STATIC_KEY_FALSE(lonely_key);

static void listed_inc(void) { static_branch_inc(&listed_key); }

static void listed_dec(void) { static_branch_dec(&listed_key); }

static void both_inc(void) {
  static_branch_inc(&listed_key);
  static_branch_inc(&unlisted_key);
}

static void both_dec(void) {
  static_branch_dec(&unlisted_key);
  static_branch_dec(&listed_key);
}

static void lonely_inc(void) { static_branch_inc(&lonely_key); }

static void lonely_dec(void) { static_branch_dec(&lonely_key); }

static noinline void test_both_keys(void) {
  if (static_branch_unlikely(&listed_key)) cpu_relax();
  if (static_branch_unlikely(&unlisted_key)) cpu_relax();
}

POKEBENCH_SCENARIO(no_reader, .name = "no-reader", .keys = {POKEBENCH_KEY(listed_key)}, .enable = listed_inc,
                   .disable = listed_dec);

POKEBENCH_SCENARIO(siteless_key, .name = "siteless-key", .readers = {POKEBENCH_READER(test_both_keys)},
                   .keys = {POKEBENCH_KEY(lonely_key)}, .enable = lonely_inc, .disable = lonely_dec);

POKEBENCH_SCENARIO(stray_key, .name = "stray-key", .readers = {POKEBENCH_READER(test_both_keys)},
                   .keys = {POKEBENCH_KEY(listed_key)}, .enable = both_inc, .disable = both_dec);
