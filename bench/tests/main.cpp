// GoogleTest main that doubles as the callgrind child of test_insns.cpp:
// `bench_unit_tests --pokebench-insns-child REGEX` runs the instruction
// counter's regions (under valgrind) instead of the tests.
#include <pokebench/bench/insns.hpp>

#include <gtest/gtest.h>

#include <cstring>

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--pokebench-insns-child") == 0)
    return pokebench::bench::run_insn_regions_child(argv[2]);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
