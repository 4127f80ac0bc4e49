// Where the committed golden inputs and expected outputs live.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace pokebench::results::testing {

inline std::string golden(const std::string& name) { return std::string(POKEBENCH_GOLDEN_DIR) + "/" + name; }

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace pokebench::results::testing
