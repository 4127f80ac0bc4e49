#include <pokebench/bench/insns.hpp>
#include <pokebench/bench/loops.hpp>
#include <pokebench/support/input.hpp>

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

extern char** environ;

namespace pokebench::bench {
namespace {

namespace fs = std::filesystem;

// Exactly three instructions per iteration: add, dec, jnz.
[[gnu::noinline]] void asm_loop_3(std::uint64_t n) {
  if (n == 0) return;
  std::uint64_t x = 0;
  asm volatile("1:\n\tadd $1, %0\n\tdec %1\n\tjnz 1b" : "+r"(x), "+r"(n)::"cc");
}

std::string self_executable() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw InsnError(fmt::format("cannot resolve /proc/self/exe: {}", ec.message()));
  return p.string();
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pokebench-insns-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw InsnError("cannot create a temporary directory for callgrind's output");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// dump trigger name -> "totals:" value
std::map<std::string, std::uint64_t> read_dumps(const fs::path& dir) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("callgrind.out", 0) != 0) continue;
    std::ifstream in(entry.path());
    std::string line, trigger;
    std::uint64_t totals = 0;
    bool have_totals = false;
    static const std::string kTrigger = "desc: Trigger: Client Request: ";
    while (std::getline(in, line)) {
      if (line.rfind(kTrigger, 0) == 0) trigger = line.substr(kTrigger.size());
      if (line.rfind("totals: ", 0) == 0) {
        totals = std::strtoull(line.c_str() + 8, nullptr, 10);
        have_totals = true;
      }
    }
    if (!trigger.empty() && have_totals) out[trigger] = totals;
  }
  return out;
}

}  // namespace

std::vector<InsnRegion> insn_regions() {
  std::vector<InsnRegion> regions;
  regions.push_back({"calibration/asm-3", [] {}, asm_loop_3, [] {}});
  for (const auto& v : loop_variants())
    for (const bool on : {false, true}) {
      const LoopVariant* pv = &v;
      regions.push_back({fmt::format("loop/{}/{}", v.name, on ? "on" : "off"), [pv, on] { pv->set_enabled(on); },
                         pv->run, [pv] { pv->set_enabled(false); }});
    }
  return regions;
}

std::string find_valgrind() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / "valgrind";
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

std::size_t run_insn_regions_child(const std::string& filter) {
  const std::regex re(filter);
  std::size_t matched = 0;
  for (const auto& r : insn_regions()) {
    if (!std::regex_search(r.name, re)) continue;
    ++matched;
    // Named: the client request macros keep the pointer past the expression.
    const std::string small_tag = r.name + "#small", large_tag = r.name + "#large";
    r.setup();
    r.run(kInsnWarm);
    CALLGRIND_ZERO_STATS;
    CALLGRIND_START_INSTRUMENTATION;
    r.run(kInsnSmall);
    CALLGRIND_STOP_INSTRUMENTATION;
    CALLGRIND_DUMP_STATS_AT(small_tag.c_str());
    CALLGRIND_START_INSTRUMENTATION;
    r.run(kInsnLarge);
    CALLGRIND_STOP_INSTRUMENTATION;
    CALLGRIND_DUMP_STATS_AT(large_tag.c_str());
    r.teardown();
  }
  if (matched == 0) throw InsnError(fmt::format("--filter '{}' matches no region (try 'loop/' or '.*')", filter));
  return matched;
}

bool sanitized_build() noexcept {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

std::vector<InsnCount> count_instructions(const InsnOptions& options) {
  if (sanitized_build())
    throw InsnError(
        "this is a sanitizer build (asan preset): valgrind cannot run it; count instructions with a release "
        "build (cmake --preset release)");
  const std::string valgrind = find_valgrind();
  if (valgrind.empty())
    throw InsnError(
        "valgrind is not installed (needed to count instructions with callgrind); install it with "
        "'apt-get install valgrind'");
  const std::regex re(options.filter);  // reject a bad regex here, not in the child
  std::vector<std::string> wanted;
  for (const auto& r : insn_regions())
    if (std::regex_search(r.name, re)) wanted.push_back(r.name);
  if (wanted.empty())
    throw InsnError(
        fmt::format("--filter '{}' matches no region; regions are calibration/asm-3 and "
                    "loop/<variant>/<off|on>",
                    options.filter));

  TempDir tmp;
  const std::string exe = options.executable.empty() ? self_executable() : options.executable;
  std::vector<std::string> args{valgrind,
                                "--tool=callgrind",
                                "--instr-atstart=no",
                                "--smc-check=all",
                                "--dump-instr=no",
                                "--callgrind-out-file=" + (tmp.path / "callgrind.out").string(),
                                "--log-file=" + (tmp.path / "valgrind.log").string(),
                                exe};
  args.insert(args.end(), options.child_args.begin(), options.child_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  if (const int rc = posix_spawn(&pid, valgrind.c_str(), nullptr, nullptr, argv.data(), environ); rc != 0)
    throw InsnError(fmt::format("cannot start {}: {}", valgrind, std::strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw InsnError(fmt::format(
        "the callgrind run failed ({}); valgrind's log:\n{}",
        WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status)) : fmt::format("signal {}", WTERMSIG(status)),
        support::read_file(tmp.path / "valgrind.log")));

  const auto dumps = read_dumps(tmp.path);
  std::vector<InsnCount> out;
  for (const auto& name : wanted) {
    const auto s = dumps.find(name + "#small");
    const auto l = dumps.find(name + "#large");
    if (s == dumps.end() || l == dumps.end())
      throw InsnError(fmt::format("callgrind wrote no dump for {}; valgrind's log:\n{}", name,
                                  support::read_file(tmp.path / "valgrind.log")));
    InsnCount c{name, 0, s->second, l->second};
    const double raw = (static_cast<double>(l->second) - static_cast<double>(s->second)) /
                       static_cast<double>(kInsnLarge - kInsnSmall);
    c.per_iter = std::round(raw * 100) / 100;  // the boundaries differ by an instruction or so
    out.push_back(c);
  }
  return out;
}

}  // namespace pokebench::bench
