// Parsing history selectors (history_selector.hpp).
#include <pokebench/results/history_selector.hpp>

#include <pokebench/results/document.hpp>

#include <fmt/core.h>

#include <charconv>
#include <set>

namespace pokebench::results {

namespace {

std::optional<std::int64_t> parse_int(const std::string& s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

bool is_history_selector(const std::string& text) { return text.rfind("history:", 0) == 0; }

HistorySelector parse_history_selector(const std::string& text) {
  const auto fail = [&](const std::string& problem) -> HistorySelector {
    throw InputError(text, "selector", problem + " (expected history:run=ID or history:last=N[,skip=K][,host=NAME|*])");
  };
  if (!is_history_selector(text)) return fail("not a history selector");
  HistorySelector sel;
  std::string rest = text.substr(8);
  if (rest.empty()) return fail("empty selector");
  std::set<std::string> seen;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string item = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string::npos) return fail(fmt::format("'{}' is not key=value", item));
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (!seen.insert(key).second) return fail(fmt::format("'{}' given twice", key));
    if (key == "host") {
      if (value.empty()) return fail("empty host");
      sel.host = value;
      continue;
    }
    const auto number = parse_int(value);
    if (key == "run") {
      if (!number || *number <= 0) return fail(fmt::format("run '{}' is not a positive run id", value));
      sel.run = *number;
    } else if (key == "last") {
      if (!number || *number <= 0 || *number > 100000)
        return fail(fmt::format("last '{}' is not a positive count", value));
      sel.last = static_cast<int>(*number);
    } else if (key == "skip") {
      if (!number || *number < 0 || *number > 100000) return fail(fmt::format("skip '{}' is not a count", value));
      sel.skip = static_cast<int>(*number);
    } else {
      return fail(fmt::format("unknown key '{}'", key));
    }
  }
  if (sel.run && (sel.last || sel.skip || sel.host)) return fail("run= cannot be combined with last, skip or host");
  if (!sel.run && sel.last == 0) return fail("give run=ID or last=N");
  return sel;
}

}  // namespace pokebench::results
