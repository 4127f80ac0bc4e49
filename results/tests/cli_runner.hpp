// Runs the built `pokebench` binary for the end-to-end tests.
#pragma once

#include "golden_path.hpp"

#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include <cstdlib>

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

// The end-to-end tests' fixture: each test runs `pokebench` in a fresh
// temporary directory (named after `tag`), removed after the test.
class CliTest : public ::testing::Test {
 protected:
  explicit CliTest(const char* tag) : tag_(tag) {}
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / ("pokebench-" + tag_ + "-XXXXXX")).string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Outcome pokebench(const std::string& args, const std::string& env = "") const {
    return run_pokebench(dir_, args, env);
  }
  // A golden file's path, quoted for the shell.
  static std::string g(const std::string& name) { return "'" + golden(name) + "'"; }

  std::filesystem::path dir_;

 private:
  std::string tag_;
};

}  // namespace pokebench::results::testing
