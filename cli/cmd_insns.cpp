// pokebench insns [--filter REGEX] [--format text|json]: exact instructions
// per iteration of the loop/*/off and loop/*/on benchmarks, counted by
// callgrind around the measured region only (see bench/insns.hpp).
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"

#include <pokebench/bench/insns.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <regex>
#include <string>

namespace pokebench::cli {

namespace {
constexpr const char* kChildFlag = "--callgrind-child";
}

std::vector<std::string> insns_child_args(const std::string& filter) {
  return {"insns", kChildFlag, "--filter", filter};
}

void add_insns(CLI::App& app) {
  struct Opts {
    std::string filter = "^loop/";
    std::string format = "text";
    bool child = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "insns", command_help("Exact instructions per iteration of loop/*/off and loop/*/on (callgrind)",
                            R"(Counted by valgrind's callgrind around the measured region: identical
across runs, which is what CI can gate on.)"));
  cmd->add_option("--filter", opts->filter,
                  "Regex searched in region names (loop/<variant>/<off|on>, calibration/asm-3)")
      ->capture_default_str();
  add_format_option(cmd, opts->format, {"text", "json"});
  // The callgrind child: this executable re-run under valgrind. Not for users.
  cmd->add_flag(kChildFlag, opts->child)->group("");
  cmd->callback([opts] {
    set_action([opts]() -> int {
      pokebench::bench::InsnOptions o;
      o.filter = opts->filter;
      o.child_args = insns_child_args(opts->filter);
      std::vector<pokebench::bench::InsnCount> counts;
      try {
        if (opts->child) {
          pokebench::bench::run_insn_regions_child(opts->filter);
          return 0;
        }
        counts = pokebench::bench::count_instructions(o);
      } catch (const pokebench::bench::InsnError& e) {
        error("{}", e.what());
        return 2;
      } catch (const std::regex_error& e) {
        error("--filter '{}' is not a valid regex: {}", opts->filter, e.what());
        return 2;
      }
      if (opts->format == "json") {
        nlohmann::json j;
        j["schema_version"] = 1;
        j["tool"] = "callgrind";
        j["iterations"] = {{"small", pokebench::bench::kInsnSmall}, {"large", pokebench::bench::kInsnLarge}};
        j["regions"] = nlohmann::json::array();
        for (const auto& c : counts)
          j["regions"].push_back({{"name", c.name},
                                  {"insns_per_iter", c.per_iter},
                                  {"insns_small", c.small_total},
                                  {"insns_large", c.large_total}});
        fmt::print("{}\n", j.dump(2));
      } else {
        fmt::print("{:<28} {:>14}\n", "region", "insns/iter");
        for (const auto& c : counts) fmt::print("{:<28} {:>14.2f}\n", c.name, c.per_iter);
        fmt::print("(callgrind, --smc-check=all; per iteration = (I({}) - I({})) / {})\n", pokebench::bench::kInsnLarge,
                   pokebench::bench::kInsnSmall, pokebench::bench::kInsnLarge - pokebench::bench::kInsnSmall);
      }
      return 0;
    });
  });
}

}  // namespace pokebench::cli
