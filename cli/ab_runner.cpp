#include "ab_runner.hpp"

#include "diagnostics.hpp"
#include "subprocess.hpp"

#include <pokebench/results/document_io.hpp>
#include <pokebench/support/input.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>
#include <stdexcept>

namespace pokebench::cli {
namespace {

namespace pr = pokebench::results;

pr::ProcessSample run_once(const AbRunOptions& o, const std::string& exe, const std::string& label, int round,
                           const TempDir& tmp, std::set<std::string>& warned) {
  const auto out = tmp.path() / fmt::format("{}-{}.json", label, round);
  const auto err = tmp.path() / fmt::format("{}-{}.err", label, round);
  ProcessSpec spec;
  spec.argv = {exe,
               "bench",
               "--benchmark_filter=" + o.filter,
               fmt::format("--benchmark_repetitions={}", o.repetitions),
               fmt::format("--benchmark_min_time={}", o.min_time),
               "--benchmark_enable_random_interleaving=true",
               "--benchmark_format=json"};
  spec.stdout_path = out;
  spec.stderr_path = err;
  const ProcessResult r = run_process(spec);
  if (!r.ok())
    throw std::runtime_error(
        fmt::format("{} ({}) round {}: '{} bench' failed ({}); its last messages:\n{}"
                    "check the executable and --benchmark-filter",
                    label, exe, round, exe, r.describe(), tail_of(err)));
  pr::ResultDocument doc = pr::parse_result_json(support::read_file(out), fmt::format("{} round {}", label, round));
  for (const std::string& w : doc.warnings)
    if (warned.insert(w.substr(w.find(':') + 1)).second) warning("{}", w);
  if (doc.samples.empty())
    throw std::runtime_error(
        fmt::format("{} ({}) ran no benchmark matching '{}'; list them with '{} bench "
                    "--benchmark_list_tests=true'",
                    label, exe, o.filter, exe));
  return pr::to_process_sample(doc);
}

}  // namespace

std::string check_pokebench(const std::string& exe, const char* which) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(exe, ec))
    throw std::runtime_error(
        fmt::format("{} '{}' is not a file; give the path of a built pokebench (e.g. "
                    "build/release/cli/pokebench)",
                    which, exe));
  if (access(exe.c_str(), X_OK) != 0)
    throw std::runtime_error(
        fmt::format("{} '{}' is not executable; chmod +x it or give a built pokebench", which, exe));
  TempDir tmp("pokebench-version-");
  ProcessSpec spec;
  spec.argv = {exe, "--version"};
  spec.stdout_path = tmp.path() / "out";
  spec.stderr_path = tmp.path() / "err";
  const ProcessResult r = run_process(spec);
  std::string out = support::read_file(spec.stdout_path);
  if (const auto nl = out.find('\n'); nl != std::string::npos) out.resize(nl);
  if (!r.ok() || !out.starts_with("pokebench "))
    throw std::runtime_error(
        fmt::format("{} '{}' is not a pokebench executable: '--version' gave {} and printed "
                    "'{}'; give the path of a built pokebench (e.g. build/release/cli/pokebench)",
                    which, exe, r.describe(), out));
  return out;
}

pr::AbReport run_ab(const AbRunOptions& o) {
  TempDir tmp("pokebench-ab-");
  std::vector<pr::ProcessSample> a, b;
  std::mt19937_64 rng(o.seed != 0 ? o.seed : std::random_device{}());
  std::set<std::string> warned;
  for (int round = 1; round <= o.rounds; ++round) {
    const bool a_first = std::bernoulli_distribution(0.5)(rng);
    note("{}: round {}/{}: {} then {}", o.progress_prefix, round, o.rounds, a_first ? "A" : "B", a_first ? "B" : "A");
    for (const bool run_a : {a_first, !a_first}) {
      if (run_a)
        a.push_back(run_once(o, o.a, "A", round, tmp, warned));
      else
        b.push_back(run_once(o, o.b, "B", round, tmp, warned));
    }
  }
  return pr::decide_ab(a, b, o.decision);
}

}  // namespace pokebench::cli
