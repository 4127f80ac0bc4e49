// pokebench bench [benchmark flags]: the Google Benchmark suite. Every flag
// after `bench` goes to Google Benchmark, except that --benchmark_out=FILE is
// captured in memory and written with the atomic writer once the run has
// succeeded: a failed, interrupted or empty run leaves the previous FILE.
#include "commands.hpp"
#include "diagnostics.hpp"

#include <pokebench/bench/benchmarks.hpp>
#include <pokebench/bench/noise_reporter.hpp>
#include <pokebench/support/output.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pokebench::cli {
namespace {

constexpr std::string_view kOutFlag = "--benchmark_out=";

// An anonymous in-memory file Google Benchmark can open by name
// (/proc/self/fd/N) for its --benchmark_out.
class MemoryFile {
 public:
  MemoryFile() : fd_(memfd_create("pokebench-benchmark-out", MFD_CLOEXEC)) {
    if (fd_ < 0)
      throw support::OutputError(
          fmt::format("cannot capture --benchmark_out in memory (memfd_create: {}); run "
                      "without --benchmark_out and redirect the console output instead",
                      std::strerror(errno)));
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  std::string path() const { return fmt::format("/proc/self/fd/{}", fd_); }
  std::string contents() const {
    std::string out;
    char buf[1 << 16];
    for (off_t off = 0;;) {
      const ssize_t n = ::pread(fd_, buf, sizeof buf, off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        throw support::OutputError(fmt::format("cannot read the captured --benchmark_out: {}", std::strerror(errno)));
      if (n == 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
      off += n;
    }
  }

 private:
  int fd_;
};

int run_bench(std::vector<std::string> args) {
  namespace pb = pokebench::bench;
  pb::register_benchmarks();
  bool console = true, listing = false;
  std::string out_path;
  for (const std::string_view a : args) {
    if (a.starts_with("--benchmark_format=") && a != "--benchmark_format=console") console = false;
    if (a.starts_with("--benchmark_list_tests") && a != "--benchmark_list_tests=false") listing = true;
    if (a.starts_with(kOutFlag)) out_path = std::string(a.substr(kOutFlag.size()));
  }
  // Google Benchmark truncates its --benchmark_out at the start (even to list
  // or when nothing matches) and never checks its writes: it writes to
  // memory instead, and the file is written at the end.
  std::optional<MemoryFile> capture;
  if (!out_path.empty()) {
    if (!listing) support::check_output_path(out_path);
    capture.emplace();
    for (std::string& a : args)
      if (a.starts_with(kOutFlag)) a = std::string(kOutFlag) + capture->path();
  }

  std::vector<std::string> storage{"pokebench bench"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(storage.size());
  benchmark::Initialize(&argc, argv.data());
  if (argc > 1) {
    std::string extra;
    for (int i = 1; i < argc; ++i) extra += fmt::format("{}'{}'", extra.empty() ? "" : ", ", argv[i]);
    error(
        "'pokebench bench' passes its flags to Google Benchmark, which does not know {}; see 'pokebench bench "
        "--help' (flags look like --benchmark_filter=REGEX)",
        extra);
    return 2;
  }
  if (!listing) pb::add_run_context();
  std::size_t ran = 0;
  if (console) {
    const bool color = isatty(STDOUT_FILENO) != 0;
    pb::NoiseReporter reporter(color ? benchmark::ConsoleReporter::OO_ColorTabular
                                     : benchmark::ConsoleReporter::OO_Tabular);
    ran = benchmark::RunSpecifiedBenchmarks(&reporter);
  } else {
    ran = benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  if (listing) return 0;
  if (ran == 0) {
    error("no benchmark matches --benchmark_filter; list them with 'pokebench bench --benchmark_list_tests=true'");
    return 2;
  }
  if (capture) support::write_file_atomically(out_path, capture->contents());
  return 0;
}

}  // namespace

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
      "  --benchmark_out=FILE --benchmark_out_format=json   write results (the history format); FILE is\n"
      "                                      replaced atomically once the run succeeded, never emptied before\n"
      "Counters: cycles_per_iter (PAPI_TOT_CYC, or TSC ticks where there is no PMU: said once), insns_per_iter "
      "(PAPI_TOT_INS only), ctx_switches, cpu_migrations, page_faults (noise), int3_hits, syncs, flip_us.");
  cmd->callback([cmd] {
    std::vector<std::string> args = cmd->remaining();
    set_action([args] { return run_bench(args); });
  });
}

}  // namespace pokebench::cli
