#include "options.hpp"

#include "diagnostics.hpp"

#include <pokebench/support/output.hpp>

namespace pokebench::cli {

bool write_json_option(const std::string& path, const std::string& json) {
  if (path.empty()) return true;
  try {
    support::write_file_atomically(path, json + "\n");
  } catch (const support::OutputError& e) {
    error("--json: {}", e.what());
    return false;
  }
  return true;
}

}  // namespace pokebench::cli
