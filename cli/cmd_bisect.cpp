// pokebench bisect: the first commit between a good and a bad revision where
// `pokebench ab` finds a regression, by `git bisect run` in a worktree of its
// own under a temporary directory (the user's checkout is never touched).
//
//   1. refuse a dirty work tree or a revision that is not a commit;
//   2. worktree at GOOD, build it; check out BAD, build it; A/B them: BAD must
//      be slower (or change an exact counter), else there is nothing to find;
//   3. git bisect start BAD GOOD; git bisect run <this pokebench> bisect-step:
//      each step builds the revision (exit 125, skip, when it does not build)
//      and A/Bs GOOD's executable against it (exit 1 bad, 0 good);
//   4. print the first bad commit and its A/B table.
// Every exit path, an interrupt included, resets the bisection, removes the
// worktree and the temporary directory.
#include "ab_runner.hpp"
#include "commands.hpp"
#include "diagnostics.hpp"
#include "options.hpp"
#include "subprocess.hpp"

#include <pokebench/support/input.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

namespace pokebench::cli {
namespace {

namespace fs = std::filesystem;
namespace pr = pokebench::results;

constexpr int kStepAbort = 200;  // > 127: git bisect run stops
constexpr int kStepSkip = 125;   // git bisect run: this revision cannot be tested

struct BuildOptions {
  std::string command =
      "cmake -S {src} -B {build} -DCMAKE_BUILD_TYPE=Release -DPOKEBENCH_BUILD_TESTS=OFF && "
      "cmake --build {build} --target pokebench -j 2";
  std::string executable = "{build}/cli/pokebench";
};

struct BisectOptions {
  std::string good, bad, repo = ".";
  AbRunOptions ab;
  BuildOptions build;
  std::string tmp, good_exe;  // bisect-step only
};

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string expand(std::string t, const fs::path& src, const fs::path& build, bool quote) {
  const std::pair<std::string, std::string> subs[] = {{"{src}", src.string()}, {"{build}", build.string()}};
  for (const auto& [key, value] : subs)
    for (std::size_t at; (at = t.find(key)) != std::string::npos;)
      t.replace(at, key.size(), quote ? shell_quote(value) : value);
  return t;
}

// git with the given arguments in `dir`; stdout returned trimmed, or nullopt
// on failure (stderr in `err`).
std::optional<std::string> git(const fs::path& dir, std::vector<std::string> args, const fs::path& tmp,
                               std::string* err = nullptr) {
  args.insert(args.begin(), {"git", "-C", dir.string()});
  ProcessSpec spec{args, {}, tmp / "git.out", tmp / "git.err"};
  const ProcessResult r = run_process(spec);
  if (!r.ok()) {
    if (err) *err = support::read_file(tmp / "git.err");
    return std::nullopt;
  }
  std::string out = support::read_file(tmp / "git.out");
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string self_exe() { return fs::read_symlink("/proc/self/exe").string(); }

// Builds the checkout in `src` into tmp/build-<sha>; the executable, or "" when
// the build failed (its log's tail printed).
std::string build_revision(const fs::path& src, const std::string& sha, const fs::path& tmp, const BuildOptions& b) {
  const fs::path build = tmp / ("build-" + sha.substr(0, 12));
  const fs::path log = tmp / ("build-" + sha.substr(0, 12) + ".log");
  const std::string exe = expand(b.executable, src, build, false);
  if (fs::exists(exe)) return exe;
  const std::string subject = git(src, {"log", "-1", "--format=%s", sha}, tmp).value_or("?");
  note("bisect: building {} ({}); log {}", sha.substr(0, 12), subject, log.string());
  fs::create_directories(build);
  const ProcessResult r = run_process({{"sh", "-c", expand(b.command, src, build, true)}, src, log, log});
  if (!r.ok() || !fs::exists(exe)) {
    warning("bisect: {} does not build ({}{}); the end of its log:\n{}", sha.substr(0, 12), r.describe(),
            r.ok() ? ", no " + exe : "", tail_of(log, 15));
    return "";
  }
  return exe;
}

// The A/B of GOOD's executable against `exe`, its table saved for the end.
pr::AbReport ab_against_good(const BisectOptions& o, const std::string& good_exe, const std::string& exe,
                             const std::string& sha, const fs::path& tmp) {
  AbRunOptions ab = o.ab;
  ab.a = good_exe;
  ab.b = exe;
  ab.progress_prefix = "bisect: " + sha.substr(0, 12);
  const pr::AbReport report = run_ab(ab);
  const std::string table = pr::format_ab_text(report);
  std::ofstream(tmp / ("ab-" + sha + ".txt")) << table;
  fmt::print(stderr, "{}", table);
  return report;
}

// The worktree, the bisection in it and the temporary directory, undone on
// every way out.
class BisectWorkspace {
 public:
  explicit BisectWorkspace(fs::path top) : top_(std::move(top)), tmp_("pokebench-bisect-") {}
  ~BisectWorkspace() {
    if (!added_) return;
    // Interrupted or not: the flag must not stop the cleanup's own git runs.
    InterruptGuard::clear();
    try {
      (void)git(src(), {"bisect", "reset", "--quiet"}, tmp_.path());
      if (!git(top_, {"worktree", "remove", "--force", src().string()}, tmp_.path()))
        warning("bisect: 'git worktree remove {}' failed; run 'git worktree prune' in {}", src().string(),
                top_.string());
      (void)git(top_, {"worktree", "prune"}, tmp_.path());
    } catch (const std::exception& e) {
      warning("bisect: cleaning up the worktree {} failed: {}; run 'git worktree prune' in {}", src().string(),
              e.what(), top_.string());
    }
  }
  fs::path src() const { return tmp_.path() / "src"; }
  const fs::path& tmp() const { return tmp_.path(); }
  const fs::path& top() const { return top_; }
  void add(const std::string& sha) {
    std::string err;
    if (!git(top_, {"worktree", "add", "--detach", "--quiet", src().string(), sha}, tmp_.path(), &err))
      throw std::runtime_error(fmt::format("git worktree add {} failed: {}", src().string(), err));
    added_ = true;
  }

 private:
  fs::path top_;
  TempDir tmp_;
  bool added_ = false;
};

std::string resolve(const fs::path& top, const std::string& rev, const char* what, const fs::path& tmp) {
  const auto sha = git(top, {"rev-parse", "--verify", "--quiet", rev + "^{commit}"}, tmp);
  if (!sha)
    throw std::runtime_error(
        fmt::format("--{} '{}' is not a commit of {}; give a commit, tag or branch "
                    "(see 'git log')",
                    what, rev, top.string()));
  return *sha;
}

int bisect(const BisectOptions& o) {
  InterruptGuard guard;
  TempDir probe("pokebench-git-");
  const auto top = git(o.repo, {"rev-parse", "--show-toplevel"}, probe.path());
  if (!top)
    throw std::runtime_error(
        fmt::format("--repo '{}' is not inside a git work tree; run pokebench bisect from the "
                    "repository (or give --repo DIR)",
                    o.repo));
  const auto dirty = git(*top, {"status", "--porcelain", "--untracked-files=no"}, probe.path());
  if (!dirty || !dirty->empty())
    throw std::runtime_error(
        fmt::format("the work tree {} has uncommitted changes:\n{}\ncommit or stash them first "
                    "(bisect tests commits, and your changes would be in none of them)",
                    *top, dirty.value_or("?")));
  const std::string good = resolve(*top, o.good, "good", probe.path());
  const std::string bad = resolve(*top, o.bad, "bad", probe.path());
  if (good == bad) throw std::runtime_error("--good and --bad are the same commit; give two different revisions");
  if (!git(*top, {"merge-base", "--is-ancestor", good, bad}, probe.path()))
    throw std::runtime_error(
        fmt::format("--good {} is not an ancestor of --bad {}; give an older good revision", o.good, o.bad));
  try {
    BisectWorkspace ws(*top);
    note("bisect: {}..{} in a worktree under {}", good.substr(0, 12), bad.substr(0, 12), ws.tmp().string());
    ws.add(good);
    const std::string good_exe = build_revision(ws.src(), good, ws.tmp(), o.build);
    if (good_exe.empty()) throw std::runtime_error(fmt::format("--good {} does not build (log above)", o.good));
    check_pokebench(good_exe, "the good revision's build");
    if (!git(ws.src(), {"checkout", "--detach", "--quiet", bad}, ws.tmp()))
      throw std::runtime_error(fmt::format("cannot check out {} in the worktree", bad));
    const std::string bad_exe = build_revision(ws.src(), bad, ws.tmp(), o.build);
    if (bad_exe.empty()) throw std::runtime_error(fmt::format("--bad {} does not build (log above)", o.bad));
    check_pokebench(bad_exe, "the bad revision's build");
    note("bisect: checking that {} is worse than {}", o.bad, o.good);
    if (!ab_against_good(o, good_exe, bad_exe, bad, ws.tmp()).regressed())
      throw std::runtime_error(
          fmt::format("the A/B of --good {} against --bad {} finds no regression: nothing to "
                      "bisect (check --benchmark, or give more --rounds)",
                      o.good, o.bad));
    std::string err;
    if (!git(ws.src(), {"bisect", "start", bad, good}, ws.tmp(), &err))
      throw std::runtime_error("git bisect start failed: " + err);
    std::vector<std::string> run = {"git",
                                    "-C",
                                    ws.src().string(),
                                    "bisect",
                                    "run",
                                    self_exe(),
                                    "bisect-step",
                                    "--tmp",
                                    ws.tmp().string(),
                                    "--good-exe",
                                    good_exe,
                                    "--benchmark",
                                    o.ab.filter,
                                    "--rounds",
                                    std::to_string(o.ab.rounds),
                                    "--repetitions",
                                    std::to_string(o.ab.repetitions),
                                    "--min-time",
                                    fmt::format("{}", o.ab.min_time),
                                    "--alpha",
                                    fmt::format("{}", o.ab.decision.alpha),
                                    "--min-change",
                                    fmt::format("{}", o.ab.decision.min_change_pct),
                                    "--build-command",
                                    o.build.command,
                                    "--executable",
                                    o.build.executable};
    note("bisect: git bisect run: each step builds its revision and A/Bs it against {} ({} rounds)", good.substr(0, 12),
         o.ab.rounds);
    const fs::path log = ws.tmp() / "bisect-run.log";
    const ProcessResult r = run_process({run, {}, log, {}});
    const std::string text = support::read_file(log);
    const auto found = text.find(" is the first bad commit");
    if (!r.ok() || found == std::string::npos) {
      error("bisect: git bisect run did not find the first bad commit ({}); its output:\n{}", r.describe(),
            tail_of(log, 25));
      return 1;
    }
    const std::string first = git(ws.src(), {"rev-parse", "refs/bisect/bad"}, ws.tmp()).value_or("?");
    const std::string line = git(ws.src(), {"log", "-1", "--format=%h %s", first}, ws.tmp()).value_or(first);
    fmt::print("first bad commit: {} {}\n{}", first, line.substr(line.find(' ') + 1),
               support::read_file(ws.tmp() / ("ab-" + first + ".txt")));
    return 0;
  } catch (const Interrupted&) {
    error("bisect: interrupted (signal {}); the worktree and the bisection were removed",
          InterruptGuard::signal_number());
    return 128 + InterruptGuard::signal_number();
  }
}

// One `git bisect run` step, in the worktree at the revision to test.
int bisect_step(const BisectOptions& o) {
  InterruptGuard guard;
  try {
    const fs::path tmp = o.tmp, src = fs::current_path();
    const std::string sha = git(src, {"rev-parse", "HEAD"}, tmp).value_or("");
    if (sha.empty()) throw std::runtime_error("cannot read HEAD of the bisect worktree");
    const std::string exe = build_revision(src, sha, tmp, o.build);
    if (exe.empty()) return kStepSkip;
    try {
      check_pokebench(exe, "this revision's build");
    } catch (const std::runtime_error& e) {
      warning("bisect: {}: skipped", e.what());
      return kStepSkip;
    }
    const pr::AbReport r = ab_against_good(o, o.good_exe, exe, sha, tmp);
    note("bisect: {} is {}", sha.substr(0, 12), r.regressed() ? "bad" : "good");
    return r.regressed() ? 1 : 0;
  } catch (const Interrupted&) {
    return kStepAbort;
  } catch (const std::exception& e) {
    error("bisect step: {}", e.what());
    return kStepAbort;
  }
}

void add_build_options(CLI::App* cmd, BuildOptions& b) {
  cmd->add_option("--build-command", b.command,
                  "Shell command that builds the checkout {src} into the empty directory {build}")
      ->capture_default_str();
  cmd->add_option("--executable", b.executable, "Where the build leaves pokebench")->capture_default_str();
}

}  // namespace

void add_bisect(CLI::App& app) {
  auto [cmd, o] =
      add_command<BisectOptions>(app, "bisect", "Find the first commit that `pokebench ab` judges a regression",
                                 R"(Between --good and --bad; a regression is slower, or an exact counter
changed. git bisect runs in a worktree of its own under $TMPDIR; revisions
that do not build are skipped (exit 125).)");
  cmd->add_option("--good", o->good, "A revision without the regression")->required();
  cmd->add_option("--bad", o->bad, "A later revision with it")->required();
  cmd->add_option("--benchmark", o->ab.filter, "Benchmarks to A/B (a Google Benchmark regex)")->capture_default_str();
  cmd->add_option("--repo", o->repo, "Any directory of the git work tree")->capture_default_str();
  add_ab_options(cmd, o->ab);
  add_build_options(cmd, o->build);
  cmd->footer(
      "Each tested revision is built in its own directory (a release build of pokebench takes minutes here), then "
      "A/Bed against --good's executable with --rounds rounds.\n"
      "Exit codes: 0 the first bad commit is printed with its A/B table, 1 git bisect could not isolate it "
      "(e.g. only unbuildable commits left), 2 unusable input (a dirty work tree, an unknown revision, --good or "
      "--bad not building, no regression between them), 128+N interrupted by signal N (nothing is left behind).");
  on_parsed(cmd, o, bisect);

  auto s = std::make_shared<BisectOptions>();
  auto* step = app.add_subcommand("bisect-step", "One step of 'pokebench bisect' (run by git bisect run)");
  step->group("");  // hidden
  step->add_option("--tmp", s->tmp)->required();
  step->add_option("--good-exe", s->good_exe)->required();
  step->add_option("--benchmark", s->ab.filter);
  add_ab_options(step, s->ab);
  add_build_options(step, s->build);
  on_parsed(step, s, bisect_step);
}

}  // namespace pokebench::cli
