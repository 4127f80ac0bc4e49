// pokebench: one executable, one subcommand per job (see commands.hpp).
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"

#include <pokebench/harness/scenario.hpp>
#include <pokebench/support/output.hpp>

#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace pokebench::cli {
namespace {
RunFn g_action;
}
void set_action(RunFn fn) { g_action = std::move(fn); }

namespace {
// The --load options before the command: scenario libraries must be loaded
// before the commands are built, since their scenarios' names, strategies
// and parameters become the commands' options.
std::vector<std::string> loads_before_command(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 1; i < argc && argv[i][0] == '-'; ++i) {
    if (std::strcmp(argv[i], "--load") == 0 && i + 1 < argc)
      out.emplace_back(argv[++i]);
    else if (std::strncmp(argv[i], "--load=", 7) == 0)
      out.emplace_back(argv[i] + 7);
  }
  return out;
}
}  // namespace
}  // namespace pokebench::cli

int main(int argc, char** argv) {
  using namespace pokebench::cli;
  CLI::App app{
      "pokebench: static-branch (jump label) and seqcount micro-benchmarks, the 2017 slub/cpuset "
      "hang reproduced in userspace, and a perf-regression gate.",
      "pokebench"};
  app.formatter(std::make_shared<CommandListFormatter>());  // before the commands, which inherit it
  app.set_version_flag("--version", std::string("pokebench ") + POKEBENCH_VERSION);
  app.require_subcommand(1);
  std::vector<std::string> loads;
  app.add_option("--load", loads,
                 "load a library of scenarios written in kernel C (built with pokebench_add_scenario(); give it "
                 "before the command)")
      ->type_name("LIB.so");
  for (const std::string& lib : loads_before_command(argc, argv))
    if (const std::string why = pokebench::harness::load_scenarios(lib); !why.empty()) {
      error("{}", why);
      return 2;
    }
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
