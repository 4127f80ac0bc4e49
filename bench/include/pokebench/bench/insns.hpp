// Exact instructions per iteration with callgrind (valgrind), the number a
// nightly gate can trust when timing is noisy (docs/measuring.md §3: callgrind
// counts are exact and repeat across runs, with or without ASLR).
//
// The parent runs the executable again under
//   valgrind --tool=callgrind --instr-atstart=no --smc-check=all ...
// (--smc-check=all: the patcher rewrites code in the main executable). The
// child (run_insn_regions_child) instruments only the measured region with
// CALLGRIND_START/STOP_INSTRUMENTATION and dumps each region:
//   warm-up run(kWarm)                    (lazy binding, first-touch: dropped)
//   run(kSmall) -> dump, run(kLarge) -> dump
// and the parent takes (large - small) / (kLarge - kSmall): the fixed cost of
// the region boundaries cancels, leaving the cost of one iteration.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pokebench::bench {

inline constexpr std::uint64_t kInsnWarm = 1'000;
inline constexpr std::uint64_t kInsnSmall = 10'000;
inline constexpr std::uint64_t kInsnLarge = 110'000;

// A measured region: setup/teardown run uninstrumented around run(n).
struct InsnRegion {
  std::string name;
  std::function<void()> setup;
  std::function<void(std::uint64_t)> run;
  std::function<void()> teardown;
};

// "calibration/asm-3" (an asm loop of exactly 3 instructions per iteration:
// add, dec, jnz) and loop/<variant>/<off|on> for every loop variant.
std::vector<InsnRegion> insn_regions();

struct InsnCount {
  std::string name;
  double per_iter = 0;            // rounded to 0.01
  std::uint64_t small_total = 0;  // instructions in run(kInsnSmall)
  std::uint64_t large_total = 0;  // instructions in run(kInsnLarge)
};

// valgrind missing, failing, or producing no dumps: what and how to fix.
class InsnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Path of the valgrind executable on PATH, empty when absent.
std::string find_valgrind();
// True in an AddressSanitizer/ThreadSanitizer build, which valgrind cannot run.
bool sanitized_build() noexcept;

struct InsnOptions {
  std::string filter = ".*";            // ECMAScript regex, searched in the region name
  std::string executable;               // default: this executable (/proc/self/exe resolved)
  std::vector<std::string> child_args;  // arguments that make `executable` call run_insn_regions_child
};

// Runs the child under callgrind and returns one count per region, in order.
// Throws InsnError.
std::vector<InsnCount> count_instructions(const InsnOptions& options);

// The child side (under valgrind): runs every region matching `filter` and
// returns how many; throws InsnError when the filter matches nothing.
std::size_t run_insn_regions_child(const std::string& filter);

}  // namespace pokebench::bench
