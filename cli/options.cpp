#include "options.hpp"

#include "diagnostics.hpp"

#include <pokebench/support/output.hpp>

#include <sstream>

namespace pokebench::cli {

std::string CommandListFormatter::make_subcommand(const CLI::App* sub) const {
  const std::string& help = sub->get_description();
  std::ostringstream out;
  CLI::detail::format_help(out, sub->get_display_name(true), help.substr(0, help.find('\n')), get_column_width());
  return out.str();
}

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
