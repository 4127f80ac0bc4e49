#include <pokebench/support/clock.hpp>

namespace pokebench::support {

std::string utc_iso8601(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

std::string utc_now() { return utc_iso8601(std::time(nullptr)); }

}  // namespace pokebench::support
