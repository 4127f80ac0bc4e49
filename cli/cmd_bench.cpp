// pokebench bench [benchmark flags]: the Google Benchmark suite. Every flag
// after `bench` goes to Google Benchmark unchanged.
#include "commands.hpp"

#include <pokebench/bench/benchmarks.hpp>

#include <string>
#include <vector>

namespace pokebench::cli {

void add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "bench",
      "Run the benchmarks (loop/<variant>/<off|on|flipping>, patch/<per-site|batched>/<mprotect|procmem>/sites:<N>, "
      "sync/<membarrier|ipi|signal>). All flags are passed through to Google Benchmark.");
  cmd->allow_extras();
  cmd->footer(
      "Flags are Google Benchmark's, passed through unchanged, e.g.:\n"
      "  --benchmark_filter=REGEX            run matching benchmarks (e.g. '^loop/.*/off$')\n"
      "  --benchmark_list_tests=true         list the names\n"
      "  --benchmark_repetitions=N           repeat each row; rows whose spread exceeds 5% are marked unstable\n"
      "                                      (gating runs: at least 9)\n"
      "  --benchmark_enable_random_interleaving=true   interleave repetitions of different rows\n"
      "  --benchmark_display_aggregates_only=true      show only median/mean/stddev/cv rows\n"
      "  --benchmark_min_time=SECONDS        per repetition (default 0.5)\n"
      "  --benchmark_out=FILE --benchmark_out_format=json   write results (the history format)\n"
      "Counters: cycles_per_iter (PAPI_TOT_CYC, or TSC ticks where there is no PMU: said once), insns_per_iter "
      "(PAPI_TOT_INS only), ctx_switches, cpu_migrations, page_faults (noise), int3_hits, syncs, flip_us.");
  cmd->callback([cmd] {
    std::vector<std::string> args = cmd->remaining();
    set_action([args] {
      std::vector<std::string> storage;
      storage.reserve(args.size() + 1);
      storage.emplace_back("pokebench bench");
      for (const auto& a : args) storage.push_back(a);
      std::vector<char*> argv;
      for (auto& s : storage) argv.push_back(s.data());
      argv.push_back(nullptr);
      return pokebench::bench::run_benchmarks(static_cast<int>(storage.size()), argv.data());
    });
  });
}

} // namespace pokebench::cli
