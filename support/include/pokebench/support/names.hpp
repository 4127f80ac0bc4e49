// One name table per enum, {value, spelling} pairs: to_string, parse and a
// command line's choices all read the same table.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace pokebench::support {

template <class E, std::size_t N>
constexpr const char* name_of(const std::pair<E, const char*> (&table)[N], E value) noexcept {
  for (const auto& [v, n] : table)
    if (v == value) return n;
  return "?";
}
template <class E, std::size_t N>
constexpr std::optional<E> parse_name(const std::pair<E, const char*> (&table)[N], std::string_view s) noexcept {
  for (const auto& [v, n] : table)
    if (s == n) return v;
  return std::nullopt;
}

}  // namespace pokebench::support
