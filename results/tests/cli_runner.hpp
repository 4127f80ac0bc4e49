// Runs the built `pokebench` binary for the end-to-end tests.
#pragma once

#include "golden_path.hpp"

#include <cstdio>
#include <filesystem>
#include <string>

#include <sys/wait.h>

namespace pokebench::results::testing {

struct Outcome {
  int exit_code = -1;
  std::string out, err;
};

// `args` is shell text run in `dir`; `env` is prefixed (e.g. "PATH=/nonexistent").
inline Outcome run_pokebench(const std::filesystem::path& dir, const std::string& args, const std::string& env = "") {
  const std::string err_file = (dir / "stderr").string();
  const std::string command =
      "cd '" + dir.string() + "' && " + env + " '" + POKEBENCH_EXE + "' " + args + " 2>'" + err_file + "'";
  Outcome r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return r;
  char buf[8192];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_file);
  return r;
}

}  // namespace pokebench::results::testing
