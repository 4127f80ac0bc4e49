// pokebench selftest: can the patcher work on this machine, and what else
// does the machine offer (membarrier, W^X policy, /proc/self/mem, PMU)?
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"

#include <pokebench/bench/counters.hpp>
#include <pokebench/patcher/patcher.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <string>

namespace pokebench::cli {
namespace {

namespace pp = pokebench::patcher;

int run_selftest() {
  fmt::print("pokebench selftest\n");
  const pp::Capabilities caps = pp::probe_capabilities();
  auto line = [](const char* what, bool ok, const std::string& detail) {
    fmt::print("  {:<24} {:<4} {}\n", what, ok ? "yes" : "no", detail);
  };
  line("membarrier SYNC_CORE", caps.membarrier_sync_core, caps.membarrier_detail);
  line("mprotect RWX", caps.mprotect_rwx, caps.mprotect_detail);
  line("/proc/self/mem writes", caps.procmem_write, caps.procmem_detail);
  const auto& counters = pokebench::bench::counter_support();
  line("PMU counters (PAPI)", counters.cycles == pokebench::bench::CycleSource::papi,
       counters.cycles == pokebench::bench::CycleSource::papi
           ? "hardware cycles" + std::string(counters.instructions ? " and instructions" : "")
           : "none: cycles fall back to the TSC, instructions to callgrind ('pokebench insns')");
  std::string facts = pokebench::bench::describe_counters();
  for (std::size_t at = 0; at < facts.size();) {
    const std::size_t nl = std::min(facts.find('\n', at), facts.size());
    fmt::print("  {:<29} {}\n", "", facts.substr(at, nl - at));
    at = nl + 1;
  }

  if (!caps.membarrier_sync_core) {
    error("the patcher cannot work here: {}", caps.membarrier_detail);
    return 2;
  }

  // Functional check: every backend the machine allows, every protocol.
  int passed = 0, failed = 0;
  for (pp::Backend backend : {pp::Backend::mprotect, pp::Backend::procmem}) {
    const bool allowed = backend == pp::Backend::mprotect ? caps.mprotect_rwx : caps.procmem_write;
    if (!allowed) {
      fmt::print("  check {:<9} skipped: backend refused by this machine\n", pp::to_string(backend));
      continue;
    }
    for (pp::ApplyMode mode : {pp::ApplyMode::per_site, pp::ApplyMode::batched})
      for (pp::Int3Policy policy : {pp::Int3Policy::skip, pp::Int3Policy::emulate_new}) {
        const std::string failure = pp::self_check(backend, policy, mode);
        fmt::print("  check {:<9} {:<9} {:<12} {}\n", pp::to_string(backend), pp::to_string(mode),
                   pp::to_string(policy), failure.empty() ? "ok" : "FAILED: " + failure);
        (failure.empty() ? passed : failed)++;
      }
  }
  if (!caps.mprotect_rwx && !caps.procmem_write) {
    error("neither backend can write code here: {}; {}", caps.mprotect_detail, caps.procmem_detail);
    return 2;
  }
  if (failed > 0) {
    error("{} patcher self-check(s) failed", failed);
    return 2;
  }
  if (!caps.mprotect_rwx) warning("mprotect backend unavailable: {}", caps.mprotect_detail);
  if (!caps.procmem_write) warning("procmem backend unavailable: {}", caps.procmem_detail);
  fmt::print("selftest: OK ({} checks passed)\n", passed);
  return 0;
}

}  // namespace

void add_selftest(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "selftest", command_help("Check that the patcher works on this machine and what it supports",
                               R"(Reports membarrier SYNC_CORE, RWX mprotect, /proc/self/mem writes and PMU
counters. Exit 0 when the patcher works, 2 with the reason when it cannot.)"));
  cmd->callback([] { set_action(run_selftest); });
}

}  // namespace pokebench::cli
