// pokebench bench [benchmark flags]: the Google Benchmark suite. Every flag
// after `bench` goes to Google Benchmark, except that --benchmark_out=FILE is
// captured in memory and written with the atomic writer once the run has
// succeeded: a failed, interrupted or empty run leaves the previous FILE.
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"

#include <pokebench/bench/benchmarks.hpp>
#include <pokebench/bench/noise_reporter.hpp>
#include <pokebench/patcher/patcher.hpp>
#include <pokebench/support/output.hpp>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
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

// Any of Google Benchmark's reporters, counting the rows that ended in an
// error (SkipWithError, or an exception the family turned into one): such a
// run is not a measurement, and the command says so with exit 2.
template <class Base>
class ErrorTally : public Base {
 public:
  using Base::Base;
  void ReportRuns(const std::vector<benchmark::BenchmarkReporter::Run>& runs) override {
    for (const auto& r : runs)
      if (r.error_occurred && failed_.size() < 5)
        failed_.push_back(r.benchmark_name() + ": " + r.error_message);
      else if (r.error_occurred)
        ++more_;
    Base::ReportRuns(runs);
  }
  std::string summary() const {
    std::string s;
    for (const std::string& f : failed_) s += (s.empty() ? "" : "; ") + f;
    return more_ > 0 ? fmt::format("{} (and {} more)", s, more_) : s;
  }
  bool failed() const noexcept { return !failed_.empty(); }

 private:
  std::vector<std::string> failed_;
  std::size_t more_ = 0;
};

// Google Benchmark takes any number for its counts and times (a negative
// repetition count, nan, 1e30 seconds) and answers a bad format with its
// usage text and exit 0: its value flags are checked here first. Returns
// what is wrong, empty when nothing is.
std::string check_benchmark_flags(const std::vector<std::string>& args) {
  const auto value_of = [](std::string_view a, std::string_view flag) -> std::optional<std::string> {
    if (!a.starts_with(flag) || a.size() == flag.size() || a[flag.size()] != '=') return std::nullopt;
    return std::string(a.substr(flag.size() + 1));
  };
  for (const std::string& a : args) {
    if (auto v = value_of(a, "--benchmark_repetitions")) {
      char* end = nullptr;
      errno = 0;
      const long n = std::strtol(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || errno != 0 || n < 1 || n > 10000)
        return fmt::format("--benchmark_repetitions={} is not a whole number from 1 to 10000", *v);
    }
    for (const char* flag : {"--benchmark_min_time", "--benchmark_min_warmup_time"})
      if (auto v = value_of(a, flag)) {
        char* end = nullptr;
        const double s = std::strtod(v->c_str(), &end);
        const bool warmup = std::string_view(flag).ends_with("warmup_time");
        if (v->empty() || *end != '\0' || !std::isfinite(s) || s < 0 || (!warmup && s == 0) || s > 3600)
          return fmt::format("{}={} is not a time in seconds from {} to 3600", flag, *v, warmup ? "0" : "above 0");
      }
    for (const char* flag : {"--benchmark_format", "--benchmark_out_format"})
      if (auto v = value_of(a, flag); v && *v != "console" && *v != "json" && *v != "csv")
        return fmt::format("{}={} is not a format; use console, json or csv", flag, *v);
  }
  return {};
}

// The benchmarks patch code (loop/*/on and flipping, patch/*) with both
// backends and sync with membarrier: where the machine cannot, the numbers
// would be of something else.
bool machine_can_run_benchmarks() {
  const patcher::Capabilities caps = patcher::probe_capabilities();
  if (!caps.membarrier_sync_core) {
    error("the benchmarks patch code and this machine cannot do so safely: {}; see 'pokebench selftest'",
          caps.membarrier_detail);
    return false;
  }
  if (!caps.procmem_write || !caps.mprotect_rwx) {
    error("the benchmarks patch through both backends and one is refused here: {}; {}; see 'pokebench selftest'",
          caps.procmem_write ? "procmem ok" : caps.procmem_detail,
          caps.mprotect_rwx ? "mprotect ok" : caps.mprotect_detail);
    return false;
  }
  return true;
}

int run_bench(std::vector<std::string> args) {
  namespace pb = pokebench::bench;
  pb::register_benchmarks();
  bool console = true, listing = false;
  std::string format = "console";
  std::string out_path;
  for (const std::string_view a : args) {
    if (a.starts_with("--benchmark_format=")) format = std::string(a.substr(a.find('=') + 1));
    if (a.starts_with("--benchmark_format=") && a != "--benchmark_format=console") console = false;
    if (a.starts_with("--benchmark_list_tests") && a != "--benchmark_list_tests=false") listing = true;
    if (a.starts_with(kOutFlag)) out_path = std::string(a.substr(kOutFlag.size()));
  }
  // Google Benchmark truncates its --benchmark_out at the start (even to list
  // or when nothing matches) and never checks its writes: it writes to
  // memory instead, and the file is written at the end.
  if (const std::string why = check_benchmark_flags(args); !why.empty()) {
    error("{}", why);
    return 2;
  }
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
  if (listing) {
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
  }
  if (!machine_can_run_benchmarks()) return 2;
  pb::add_run_context();
  std::size_t ran = 0;
  std::string failures;
  const auto run_with = [&](auto& reporter) {
    ran = benchmark::RunSpecifiedBenchmarks(&reporter);
    failures = reporter.summary();
  };
  if (console) {
    const bool color = isatty(STDOUT_FILENO) != 0;
    ErrorTally<pb::NoiseReporter> reporter(color ? benchmark::ConsoleReporter::OO_ColorTabular
                                                 : benchmark::ConsoleReporter::OO_Tabular);
    run_with(reporter);
  } else if (format == "json") {
    ErrorTally<benchmark::JSONReporter> reporter;
    run_with(reporter);
  } else {
    // Deprecated upstream, still what --benchmark_format=csv means.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    ErrorTally<benchmark::CSVReporter> reporter;
#pragma GCC diagnostic pop
    run_with(reporter);
  }
  benchmark::Shutdown();
  if (!failures.empty()) {
    error("benchmark rows failed, so this run is no measurement: {}", failures);
    return 2;
  }
  if (ran == 0) {
    error("no benchmark matches --benchmark_filter; list them with 'pokebench bench --benchmark_list_tests=true'");
    return 2;
  }
  if (capture) support::write_file_atomically(out_path, capture->contents());
  return 0;
}

}  // namespace

void add_bench(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("bench", command_help("Run the benchmarks (Google Benchmark, its flags passed through)",
                                               R"(The benchmarks: loop/<variant>/<off|on|flipping>,
patch/<per-site|batched>/<mprotect|procmem>/sites:<N> and
sync/<membarrier|ipi|signal>. All flags are passed through to Google
Benchmark.)"));
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
