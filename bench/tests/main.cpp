// GoogleTest main that doubles as the callgrind child of test_insns.cpp:
// `bench_unit_tests --pokebench-insns-child REGEX` runs the instruction
// counter's regions (under valgrind) instead of the tests.
#include <pokebench/bench/insns.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--pokebench-insns-child") == 0) {
    try {
      pokebench::bench::run_insn_regions_child(argv[2]);
      return 0;
    } catch (const pokebench::bench::InsnError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
