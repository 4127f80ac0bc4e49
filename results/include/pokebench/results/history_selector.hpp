// Naming stored runs on the command line: "history:run=ID" or
// "history:last=N[,skip=K][,host=NAME|*]" (see pokebench regress --help).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pokebench::results {

struct HistorySelector {
  std::optional<std::int64_t> run;
  int last = 0;
  int skip = 0;
  std::optional<std::string> host;  // nullopt: the caller's default; "*": every host
};

bool is_history_selector(const std::string& text);
// Throws InputError(text, "selector", problem).
HistorySelector parse_history_selector(const std::string& text);

}  // namespace pokebench::results
