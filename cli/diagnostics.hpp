// Messages for users: one stable, greppable prefix per kind.
#pragma once

#include <fmt/core.h>

#include <cstdio>
#include <utility>

namespace pokebench::cli {

template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  fmt::print(stderr, "pokebench: error: {}\n", fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
  fmt::print(stderr, "pokebench: warning: {}\n", fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void note(fmt::format_string<Args...> f, Args&&... args) {
  fmt::print(stderr, "pokebench: {}\n", fmt::format(f, std::forward<Args>(args)...));
}

} // namespace pokebench::cli
