// pokebench torture: every strategy x direction x order x int3 policy in
// stress mode, one row per cell, then SUCCESS or FAILURE (rcutorture style).
#include "commands.hpp"
#include "diagnostics.hpp"
#include "validators.hpp"

#include <pokebench/harness/torture.hpp>
#include <pokebench/harness/vcpu.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <pokebench/results/document_io.hpp>

#include <fmt/core.h>

#include <cstdio>
#include <memory>
#include <string>

namespace pokebench::cli {
namespace {

namespace hh = pokebench::harness;
namespace pp = pokebench::patcher;

int run_torture(double duration, const std::string& json_path) {
  const pp::Capabilities caps = pp::probe_capabilities();
  if (!caps.membarrier_sync_core) {
    error("cannot patch code safely here: {}", caps.membarrier_detail);
    return 2;
  }
  hh::ScenarioConfig base;
  base.timeout_ms = 300;
  base.writer_period_us = 200;
  if (!caps.procmem_write) {
    if (!caps.mprotect_rwx) {
      error("neither backend can write code here: {}; {}", caps.procmem_detail, caps.mprotect_detail);
      return 2;
    }
    warning("backend procmem refused ({}); using mprotect", caps.procmem_detail);
    base.backend = pp::Backend::mprotect;
  }
  const std::size_t cells = hh::torture_matrix(base, duration).size();
  fmt::print("pokebench torture: {} cells (5 strategies x 2 directions x 6 orders x 2 int3 policies), stress mode, "
             "{:.0f} s budget ({:.2f} s per cell), readers={} writer-period-us={} timeout-ms={} backend={}\n",
             cells, duration, duration / static_cast<double>(cells), base.readers, base.writer_period_us,
             base.timeout_ms, pp::to_string(base.backend));
  fmt::print("{}\n", hh::torture_header());
  std::fflush(stdout);
  const hh::TortureResult tr = hh::run_torture(
      duration,
      [](const hh::TortureCell& c, std::size_t, std::size_t) {
        fmt::print("{}\n", hh::torture_row(c));
        std::fflush(stdout);
      },
      base);
  if (!json_path.empty()) {
    try {
      pokebench::results::write_file_atomically(json_path, hh::torture_json(tr) + "\n");
    } catch (const std::exception& e) {
      error("cannot write --json {}: {} (check the directory exists and is writable)", json_path, e.what());
      return 2;
    }
  }
  if (tr.interrupted) {
    error("interrupted after {} of {} cells", tr.cells.size(), cells);
    fmt::print("FAILURE: interrupted ({:.1f} s)\n", tr.seconds);
    return 2;
  }
  if (tr.success) {
    fmt::print("SUCCESS: every fix OK in every cell, and the v4.12 bug reproduced ({:.1f} s)\n", tr.seconds);
    return 0;
  }
  fmt::print("FAILURE: {} ({:.1f} s)\n", tr.why, tr.seconds);
  return 1;
}

} // namespace

void add_torture(CLI::App& app) {
  auto duration = std::make_shared<double>(120.0);
  auto json_path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "torture", "Run the whole matrix (strategies x directions x orders x int3 policies) in stress mode; SUCCESS "
                 "when every fix holds everywhere and the v4.12 bug reproduces.");
  cmd->add_option("--duration", *duration, "time budget in seconds for the whole matrix")
      ->check(seconds_validator(false))
      ->capture_default_str();
  cmd->add_option("--json", *json_path,
                  "also write the matrix as JSON to FILE (for 'pokebench results bundle --matrix')");
  cmd->callback([duration, json_path] { set_action([duration, json_path] { return run_torture(*duration, *json_path); }); });
}

} // namespace pokebench::cli
