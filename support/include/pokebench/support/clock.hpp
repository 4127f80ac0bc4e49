// The one wall clock pokebench stamps results with.
#pragma once

#include <ctime>
#include <string>

namespace pokebench::support {

// ISO 8601 in UTC to the second: "2026-12-01T20:15:00Z".
std::string utc_iso8601(std::time_t t);
std::string utc_now();

}  // namespace pokebench::support
