// Where the committed golden inputs and expected outputs live.
#pragma once

#include <pokebench/support/input.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace pokebench::results::testing {

inline std::string golden(const std::string& name) { return std::string(POKEBENCH_GOLDEN_DIR) + "/" + name; }

inline std::string slurp(const std::string& path) { return support::read_file(path); }

}  // namespace pokebench::results::testing
