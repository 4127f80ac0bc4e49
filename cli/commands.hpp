// Each `pokebench` subcommand lives in its own cmd_<name>.cpp and registers
// itself here. A command's callback returns the process exit code:
//   0 success, 1 the result differs from what was expected (--expect,
//   regression), 2 bad usage or an unusable environment (message printed).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace pokebench::cli {

// Set by a subcommand's callback; main() returns it.
using RunFn = std::function<int()>;
void set_action(RunFn fn);

// The hidden `pokebench insns --callgrind-child` command line (without the
// executable) that runs bench::run_insn_regions_child(filter): what `insns`
// and `compare` run under callgrind.
std::vector<std::string> insns_child_args(const std::string& filter);

void add_selftest(CLI::App& app);
void add_repro(CLI::App& app);
void add_torture(CLI::App& app);
void add_explore(CLI::App& app);  // the model checker (explore/)
void add_bench(CLI::App& app);
void add_insns(CLI::App& app);
void add_compare(CLI::App& app);
void add_results(CLI::App& app);
void add_regress(CLI::App& app);
void add_report(CLI::App& app);
void add_completion(CLI::App& app);  // `completion bash` and `man`, generated from the App tree
void add_ab(CLI::App& app);
void add_bisect(CLI::App& app);  // and the hidden bisect-step

}  // namespace pokebench::cli
