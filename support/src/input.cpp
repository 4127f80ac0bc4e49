#include <pokebench/support/input.hpp>

#include <fstream>
#include <sstream>

namespace pokebench::support {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace pokebench::support
