// Option checks shared by several subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <type_traits>
#include <utility>

namespace pokebench::cli {

inline constexpr double kMaxSeconds = 7 * 24 * 3600.0;

// A number of seconds; CLI11's own range check prints the double's limits.
inline CLI::Validator seconds_validator(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& in) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(in, &used);
          // Finite and at most a week: a deadline past that overflows the
          // nanosecond clock (and no run here is meant to last that long).
          if (used == in.size() && (allow_zero ? v >= 0 : v > 0) && v <= kMaxSeconds) return {};
        } catch (const std::exception&) {
        }
        return "'" + in + "' is not a number of seconds " + (allow_zero ? ">= 0" : "> 0") + " and at most " +
               std::to_string(static_cast<long>(kMaxSeconds)) + " (a week)";
      },
      "SECONDS");
}

// A whole number in [min, max], written in decimal digits only: refuses
// "-1" (which CLI11 would wrap), "1.5", "1e3" and values that overflow.
inline CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& in) -> std::string {
        const std::string range = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
        if (in.empty() || in.find_first_not_of("0123456789") != std::string::npos)
          return "'" + in + "' is not " + range;
        errno = 0;
        const unsigned long long v = std::strtoull(in.c_str(), nullptr, 10);
        if (errno == ERANGE || v < min || v > max) return "'" + in + "' is out of range: use " + range;
        return {};
      },
      "N");
}

// An enum option from its name table: the CLI's choices are the table's names.
template <class E, std::size_t N>
CLI::Option* add_enum(CLI::App* cmd, const std::string& flag, E& target, const std::pair<E, const char*> (&table)[N],
                      const std::string& help) {
  std::map<std::string, E> names;
  std::string choices;  // in the table's order, as --help and the completion show them
  for (const auto& [v, n] : table) names[n] = v, choices += (choices.empty() ? "" : ",") + std::string(n);
  const char* current = "?";
  for (const auto& [v, n] : table)
    if (v == target) current = n;
  // A name becomes the enum's number, which CLI11 then stores in `target`.
  CLI::Validator to_number(
      [names, choices](std::string& in) -> std::string {
        const auto it = names.find(in);
        if (it == names.end()) return "'" + in + "' is not one of " + choices;
        in = std::to_string(static_cast<std::underlying_type_t<E>>(it->second));
        return {};
      },
      "{" + choices + "}");
  return cmd->add_option(flag, target, help)->transform(to_number)->default_str(current);
}

// A finite number in [low, high]; CLI::Range lets NaN through (every comparison with it is false).
inline CLI::Validator finite_range(double low, double high, const std::string& what) {
  return CLI::Validator(
      [=](std::string& in) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(in, &used);
          if (used == in.size() && v >= low && v <= high) return {};
        } catch (const std::exception&) {
        }
        return "'" + in + "' is not " + what + " (a number from " + CLI::detail::to_string(low) + " to " +
               CLI::detail::to_string(high) + ")";
      },
      "NUMBER");
}

}  // namespace pokebench::cli
