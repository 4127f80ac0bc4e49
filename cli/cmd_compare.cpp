// pokebench compare: which strategy, at what cost (bench/compare.hpp).
#include "commands.hpp"
#include "diagnostics.hpp"

#include <pokebench/bench/compare.hpp>
#include <pokebench/support/output.hpp>

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>

namespace pokebench::cli {

void add_compare(CLI::App& app) {
  struct Opts {
    std::string format = "text";
    std::string out;
    bool quick = false;
    bool no_correctness = false;
    bool no_insns = false;
    double correctness_seconds = 0;
    int repetitions = 0;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "compare",
      "Which strategy, at what cost: runs the harness's stress matrix (bounded) and the benchmarks (bounded) for "
      "per-site, batched, ordered, cached and cookie, and prints one row each");
  cmd->add_option("--format", opts->format, "Output format")
      ->check(CLI::IsMember({"text", "markdown", "json"}))
      ->capture_default_str();
  cmd->add_option("--out", opts->out, "Write the result to FILE instead of standard output");
  cmd->add_flag("--quick", opts->quick, "Everything within 90 s (shorter matrix, 3 repetitions)");
  cmd->add_option("--correctness-seconds", opts->correctness_seconds,
                  "Time budget of the stress matrix (default 30 with --quick, else 120)");
  cmd->add_option("--repetitions", opts->repetitions, "Benchmark repetitions (default 3 with --quick, else 9)");
  cmd->add_flag("--no-correctness", opts->no_correctness, "Skip the stress matrix (cost only)");
  cmd->add_flag("--no-insns", opts->no_insns, "Skip the callgrind instruction counts");
  cmd->callback([opts] {
    set_action([opts]() -> int {
      // Checked first: a bad path is reported before minutes of measuring. The
      // file itself is replaced only at the end, so an interrupted or failed
      // compare leaves the previous one.
      if (!opts->out.empty()) pokebench::support::check_output_path(opts->out);
      pokebench::bench::CompareOptions o;
      o.quick = opts->quick;
      o.correctness = !opts->no_correctness;
      o.insns = !opts->no_insns;
      o.correctness_seconds = opts->correctness_seconds;
      o.repetitions = opts->repetitions;
      o.insns_child_args = insns_child_args;
      const auto t0 = std::chrono::steady_clock::now();
      o.progress = [t0](const std::string& line) {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        note("compare [{:5.1f} s] {}", s, line);
      };
      const auto report = pokebench::bench::run_compare(o);
      std::string text;
      if (opts->format == "json")
        text = pokebench::bench::to_json(report).dump(2) + "\n";
      else if (opts->format == "markdown")
        text = pokebench::bench::render_markdown(report);
      else
        text = pokebench::bench::render_text(report);
      if (!opts->out.empty()) {
        pokebench::support::write_file_atomically(opts->out, text);
        note("compare: wrote {}", opts->out);
      } else {
        pokebench::support::write_stdout(text);
      }
      return 0;
    });
  });
}

} // namespace pokebench::cli
