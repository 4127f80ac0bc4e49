// gnuplot as a subprocess: data and script in a private temporary directory,
// `set terminal svg`, stderr kept for the error message.
#include <pokebench/results/gnuplot.hpp>

#include <pokebench/results/document.hpp>
#include <pokebench/results/document_io.hpp>
#include <pokebench/support/input.hpp>

#include <fmt/core.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace pokebench::results {

namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "pokebench-plot-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw EnvironmentError(fmt::format("cannot create a temporary directory for gnuplot: {}", std::strerror(errno)));
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
  if (!out) throw EnvironmentError(fmt::format("cannot write '{}'", p.string()));
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }  // mkdtemp paths hold no quote

}  // namespace

std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, end - start);
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

Gnuplot::Gnuplot(const std::string& program) : executable_(find_program(program)) {
  if (executable_.empty())
    throw EnvironmentError(
        fmt::format("'{}' not found (PATH={}): the report draws its plots with gnuplot; install "
                    "it with: apt-get install gnuplot-nox",
                    program, std::getenv("PATH") ? std::getenv("PATH") : ""));
}

std::string Gnuplot::render_svg(const std::string& script, const std::map<std::string, std::string>& data, int width,
                                int height) const {
  TempDir dir;
  std::string body = script;
  for (const auto& [name, content] : data) {
    const fs::path file = dir.path() / (name + ".dat");
    write(file, content);
    // Whole names only: $trend1 must not eat the front of $trend10.
    const std::string token = "$" + name;
    const std::string path = quoted(file);
    for (std::size_t p = body.find(token); p != std::string::npos; p = body.find(token, p)) {
      const std::size_t end = p + token.size();
      if (end < body.size() && (std::isalnum(static_cast<unsigned char>(body[end])) || body[end] == '_')) {
        p = end;
        continue;
      }
      body.replace(p, token.size(), path);
      p += path.size();
    }
  }
  const fs::path svg = dir.path() / "plot.svg";
  const fs::path script_file = dir.path() / "plot.gp";
  const fs::path log = dir.path() / "gnuplot.log";
  // "fixed" size and no "mouse": the SVG needs no script file next to it.
  write(script_file, fmt::format("set terminal svg size {},{} fixed enhanced font 'Helvetica,11' background "
                                 "rgb '#ffffff'\nset output {}\nset datafile missing '?'\n{}\nunset output\n",
                                 width, height, quoted(svg), body));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const std::string script_path = script_file.string();
  std::vector<char*> argv{const_cast<char*>(executable_.c_str()), const_cast<char*>(script_path.c_str()), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, executable_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw EnvironmentError(fmt::format("cannot run '{}': {}", executable_, std::strerror(rc)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw EnvironmentError(fmt::format("waitpid for gnuplot: {}", std::strerror(errno)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw EnvironmentError(fmt::format(
        "gnuplot failed ({}): {}",
        WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status)) : fmt::format("signal {}", WTERMSIG(status)),
        support::read_file(log)));
  std::string out = support::read_file(svg);
  const auto start = out.find("<svg");
  if (start == std::string::npos) throw EnvironmentError("gnuplot wrote no SVG: " + support::read_file(log));
  return out.substr(start);
}

}  // namespace pokebench::results
