// Option checks shared by several subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include <exception>
#include <string>

namespace pokebench::cli {

// A number of seconds; CLI11's own range check prints the double's limits.
inline CLI::Validator seconds_validator(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& in) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(in, &used);
          if (used == in.size() && (allow_zero ? v >= 0 : v > 0)) return {};
        } catch (const std::exception&) {
        }
        return "'" + in + "' is not a number of seconds " + (allow_zero ? ">= 0" : "> 0");
      },
      "SECONDS");
}

} // namespace pokebench::cli
