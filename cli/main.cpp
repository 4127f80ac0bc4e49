// pokebench: one executable, one subcommand per job (see commands.hpp).
#include "commands.hpp"
#include "diagnostics.hpp"

#include <pokebench/support/output.hpp>

#include <exception>

namespace pokebench::cli {
namespace {
RunFn g_action;
}
void set_action(RunFn fn) { g_action = std::move(fn); }
}  // namespace pokebench::cli

int main(int argc, char** argv) {
  using namespace pokebench::cli;
  CLI::App app{
      "pokebench: static-branch (jump label) and seqcount micro-benchmarks, the 2017 slub/cpuset "
      "hang reproduced in userspace, and a perf-regression gate.",
      "pokebench"};
  app.set_version_flag("--version", std::string("pokebench ") + POKEBENCH_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Run 'pokebench <command> --help' for a command's options. Exit codes: 0 ok, 1 verdict or gate "
      "failed, 2 bad usage or unusable environment.");

  add_selftest(app);
  add_repro(app);
  add_torture(app);
  add_explore(app);
  add_bench(app);
  add_insns(app);
  add_compare(app);
  add_results(app);
  add_regress(app);
  add_report(app);
  add_ab(app);
  add_bisect(app);
  add_completion(app);  // hidden; walks the commands above at run time

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    error("{} (see 'pokebench --help')", e.what());
    return 2;
  }
  if (!g_action) return 2;
  int code = 2;
  try {
    code = g_action();
  } catch (const std::exception& e) {
    error("{}", e.what());
    return 2;
  }
  // Output that did not reach its file is never a success.
  try {
    pokebench::support::flush_stdout();
  } catch (const pokebench::support::OutputError& e) {
    error("{}", e.what());
    return 2;
  }
  return code;
}
